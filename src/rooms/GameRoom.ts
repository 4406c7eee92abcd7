/**
 * The `game` room: a thin adapter between Colyseus and the rules. It validates what clients send,
 * maps sessionIds to seats, and copies results into the synchronized state.
 */
import { CloseCode, Room, matchMaker, type Client, type AuthContext } from "@colyseus/core";
import type { Settings } from "../config.ts";
import { freeSeat, hostAfterLeave, nameTaken, seatOrder } from "../game/lobby.ts";
import { createOptions, describeIssue, joinOptions, type CreateOptions } from "../messages/options.ts";
import { GameState, Player } from "../schema/GameState.ts";
import type { Store } from "../store/types.ts";
import { joinError } from "./joinErrors.ts";

export interface RoomDeps {
  store: Store;
  settings: Pick<Settings, "reconnectSeconds" | "maxMessagesPerSecond">;
  log?: (line: string) => void;
}

export interface GameMetadata {
  code: string;
  phase: string;
  hostName: string;
}

export class GameRoom extends Room<{ state: GameState; metadata: GameMetadata }> {
  /** Bound by `gameRoom(deps)`; the matchmaker constructs rooms without arguments. */
  protected deps!: RoomDeps;
  protected options!: CreateOptions;

  /** Runs in the matchmaking request, before a seat is reserved: refuse malformed options early. */
  static async onAuth(_token: string, options: unknown, _context: AuthContext) {
    const parsed = joinOptions.safeParse(options ?? {});
    if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
    return true;
  }

  async onCreate(options: unknown) {
    const parsed = createOptions.safeParse(options ?? {});
    if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
    this.options = parsed.data;

    this.maxClients = this.options.maxPlayers;
    this.maxMessagesPerSecond = this.deps.settings.maxMessagesPerSecond;
    this.state = new GameState();
    this.state.maxPlayers = this.options.maxPlayers;
    if (this.options.private) await this.setPrivate(true);

    // Reserved before the room is recorded by the matchmaker, so nobody can find it without a code.
    const code = await this.deps.store.codes.reserve(this.roomId, matchMaker.processId);
    this.state.code = code;
    await this.setMetadata({ code, phase: this.state.phase, hostName: "" });
  }

  onJoin(client: Client, options: unknown) {
    const parsed = joinOptions.safeParse(options ?? {});
    if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
    const { name } = parsed.data;

    if (this.state.phase !== "lobby") throw joinError("GAME_STARTED", "This game has already started.");
    const players = [...this.state.players.values()];
    if (nameTaken(players.map((p) => p.name), name)) {
      throw joinError("NAME_TAKEN", `The name "${name}" is already taken in this room.`);
    }
    const seat = freeSeat(players, this.options.maxPlayers);
    if (seat === null) throw joinError("ROOM_FULL", `This room is full (${this.options.maxPlayers} players).`);

    this.state.players.set(client.sessionId, new Player({ id: client.sessionId, name, seat, ready: false, connected: true }));
    this.syncSeats();
    if (!this.state.hostId) this.setHost(client.sessionId);
  }

  onDrop(client: Client, code?: number) {
    const player = this.state.players.get(client.sessionId);
    if (!player || code === CloseCode.SERVER_SHUTDOWN) return;
    player.connected = false;
    // Rejected when the window runs out; Colyseus then calls onLeave, which frees the seat.
    this.allowReconnection(client, this.deps.settings.reconnectSeconds).catch(() => {});
  }

  onReconnect(client: Client) {
    const player = this.state.players.get(client.sessionId);
    if (player) player.connected = true;
  }

  /** A deliberate leave, or a drop whose reconnection window ran out. */
  onLeave(client: Client) {
    const players = [...this.state.players.values()];
    if (!this.state.players.has(client.sessionId)) return;
    const nextHost = hostAfterLeave(players, this.state.hostId, client.sessionId);
    this.state.players.delete(client.sessionId);
    this.syncSeats();
    if (nextHost !== this.state.hostId) this.setHost(nextHost);
  }

  async onDispose() {
    try {
      await this.deps.store.codes.release(this.roomId);
    } catch (e) {
      // The code stays mapped to a room that no longer exists; lookups check that the room is live,
      // and the periodic sweep removes it once this process stops.
      this.deps.log?.(`could not release the code of room ${this.roomId}: ${(e as Error).message}`);
    }
  }

  onUncaughtException(error: Error, methodName: string) {
    this.deps.log?.(`room ${this.roomId} (${this.state?.code}): uncaught exception in ${methodName}: ${error.stack ?? error.message}`);
  }

  private syncSeats() {
    const order = seatOrder([...this.state.players.values()]);
    if (order.join() === this.state.turnOrder.join()) return;
    this.state.turnOrder.clear();
    this.state.turnOrder.push(...order);
  }

  private setHost(sessionId: string) {
    this.state.hostId = sessionId;
    const host = this.state.players.get(sessionId);
    void this.setMetadata({ ...this.metadata, hostName: host?.name ?? "" });
  }
}

/** Binds the room to its dependencies, for `defineRoom`. */
export function gameRoom(deps: RoomDeps): typeof GameRoom {
  return class BoundGameRoom extends GameRoom {
    protected deps = deps;
  };
}
