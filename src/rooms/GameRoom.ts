/**
 * The `game` room: a thin adapter between Colyseus and the rules. It validates what clients send,
 * maps sessionIds to seats, calls src/game, copies the result into the synchronized state, and
 * replies: `ack` to the sender, `event` to everyone, or a typed `error` to the sender.
 */
import { randomInt } from "node:crypto";
import { CloseCode, Room, matchMaker, type AuthContext, type Client, type Delayed } from "@colyseus/core";
import type { Settings } from "../config.ts";
import * as rules from "../game/index.ts";
import { freeSeat, hostAfterLeave, nameTaken, seatOrder, startRefusal } from "../game/lobby.ts";
import {
  CLIENT_MESSAGE_TYPES,
  clientMessages,
  salvageOpId,
  type ChatMessage,
  type ClientMessage,
  type ClientMessageType,
  type ErrorMessage,
  type EventMessage,
  HISTORY_CHATS,
  HISTORY_EVENTS,
  type GameActionType,
} from "../messages/contract.ts";
import type { ActionErrorCode } from "../messages/errors.ts";
import { createOptionsSchema, describeIssue, joinOptions, type CreateOptions } from "../messages/options.ts";
import { GameState, Player } from "../schema/GameState.ts";
import type { MatchRecord, Store } from "../store/types.ts";
import { isJoinRefusal, joinError } from "./joinErrors.ts";
import { OpLog } from "./opLog.ts";
import { project } from "./projection.ts";

export interface RoomDeps {
  store: Store;
  settings: Pick<Settings, "reconnectSeconds" | "maxMessagesPerSecond" | "minTurnSeconds" | "awayTurnSeconds">;
  log?: (line: string) => void;
}

export interface GameMetadata {
  code: string;
  phase: string;
  hostName: string;
}

type Refusal = { code: ActionErrorCode; message: string };
type Outcome = Refusal | null;

/**
 * Every action's change is sent at once (see publish), and hooks flush their own changes, so the
 * periodic patch only drives the room clock (turn timers): a slow rate saves a 20 Hz timer per room.
 */
const IDLE_PATCH_MS = 200;

/** Most actions the server plays in a row for one absent player's turn (doubles re-roll; the rules end it far sooner). */
const MAX_AUTO_ACTIONS = 32;

export class GameRoom extends Room<{ state: GameState; metadata: GameMetadata }> {
  /** Bound by `gameRoom(deps)`; the matchmaker constructs rooms without arguments. */
  protected deps!: RoomDeps;
  protected options!: CreateOptions;
  /** The rules' state while a game runs; the schema is its projection. */
  protected game: rules.GameState | null = null;
  private startedAt: Date | null = null;
  private turnTimer: Delayed | null = null;
  private readonly ops = new OpLog();
  /** Players whose reconnection window ran out during the game: the server plays for them. */
  private readonly gone = new Set<string>();
  /** The latest events and chat lines, replayed to a player who joins or comes back. */
  private readonly recentEvents: EventMessage[] = [];
  private readonly recentChats: ChatMessage[] = [];
  /** True while the room clock runs one of our timers: no nested broadcastPatch() (it would re-tick the clock). */
  private inClockCallback = false;

  /** Runs in the matchmaking request, before a seat is reserved: refuse malformed options early. */
  static async onAuth(_token: string, options: unknown, _context: AuthContext) {
    const parsed = joinOptions.safeParse(options ?? {});
    if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
    return true;
  }

  async onCreate(options: unknown) {
    const parsed = createOptionsSchema(this.deps.settings.minTurnSeconds).safeParse(options ?? {});
    if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
    this.options = parsed.data;

    this.maxClients = this.options.maxPlayers;
    this.patchRate = IDLE_PATCH_MS;
    this.maxMessagesPerSecond = this.deps.settings.maxMessagesPerSecond;
    this.state = new GameState();
    this.state.maxPlayers = this.options.maxPlayers;
    this.state.maxRounds = this.options.maxRounds;
    this.state.turnSeconds = this.options.turnSeconds;
    this.state.private = this.options.private;
    if (this.options.private) await this.setPrivate(true);

    for (const type of CLIENT_MESSAGE_TYPES) {
      this.onMessage(type, (client: Client, payload: unknown) => this.receive(client, type, payload));
    }
    this.onMessage("*", (client: Client, type: string | number, payload: unknown) =>
      this.refuse(client, salvageOpId(payload), { code: "UNKNOWN_MESSAGE", message: `There is no message type "${String(type).slice(0, 40)}".` }),
    );

    // Reserved before the matchmaker records the room, so nobody can find it without a code.
    let code: string;
    try {
      code = await this.deps.store.codes.reserve(this.roomId, matchMaker.processId);
    } catch (e) {
      this.deps.log?.(`could not reserve a join code: ${(e as Error).message}`);
      throw joinError("UNAVAILABLE", "Rooms cannot be created right now: the server's database is unavailable. Try again in a moment.");
    }
    this.state.code = code;
    await this.setMetadata({ code, phase: "lobby", hostName: "" });
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

    this.state.players.set(client.sessionId, new Player({ id: client.sessionId, name, seat }));
    this.syncSeats();
    if (!this.state.hostId) this.setHost(client.sessionId);
    this.flush();
    this.sendHistory(client);
  }

  onDrop(client: Client, code?: number) {
    const player = this.state.players.get(client.sessionId);
    if (!player || code === CloseCode.SERVER_SHUTDOWN) return;
    player.connected = false;
    this.flush();
    // Rejected when the window runs out; Colyseus then calls onLeave.
    this.allowReconnection(client, this.deps.settings.reconnectSeconds).catch(() => {});
  }

  onReconnect(client: Client) {
    const player = this.state.players.get(client.sessionId);
    if (player) player.connected = true;
    this.flush();
    this.sendHistory(client);
  }

  private sendHistory(client: Client) {
    client.send("history", { events: this.recentEvents, chats: this.recentChats });
  }

  /** A deliberate leave (code CONSENTED), or a drop whose reconnection window ran out. */
  onLeave(client: Client, code?: number) {
    this.leave(client, code);
    this.flush();
  }

  private leave(client: Client, code?: number) {
    const player = this.state.players.get(client.sessionId);
    if (!player) return;
    if (this.game && this.state.phase === "playing") {
      player.connected = false;
      if (code === CloseCode.CONSENTED) {
        this.forfeit(client.sessionId);
      } else {
        this.gone.add(client.sessionId);
        if (this.state.currentTurn === client.sessionId) this.scheduleTurn();
      }
      return;
    }
    if (this.state.phase === "finished") {
      player.connected = false;
      return;
    }
    const nextHost = hostAfterLeave([...this.state.players.values()], this.state.hostId, client.sessionId);
    this.state.players.delete(client.sessionId);
    this.ops.forget(client.sessionId);
    this.syncSeats();
    if (nextHost !== this.state.hostId) this.setHost(nextHost);
  }

  async onDispose() {
    this.turnTimer?.clear();
    try {
      await this.deps.store.codes.release(this.roomId);
    } catch (e) {
      // Lookups check that the room is live, and the sweep removes the row once this process stops.
      this.deps.log?.(`could not release the code of room ${this.roomId}: ${(e as Error).message}`);
    }
  }

  onUncaughtException(error: Error, methodName: string) {
    // A typed refusal thrown from onCreate/onJoin is an answer to the client, not a fault.
    if (isJoinRefusal(error.cause)) return;
    this.deps.log?.(`room ${this.roomId} (${this.state?.code}): uncaught exception in ${methodName}: ${error.stack ?? error.message}`);
  }

  // --- messages -------------------------------------------------------------------------------

  private receive(client: Client, type: ClientMessageType, payload: unknown) {
    const parsed = clientMessages[type].safeParse(payload ?? {});
    if (!parsed.success) {
      return this.refuse(client, salvageOpId(payload), { code: "INVALID_MESSAGE", message: `${type}: ${describeIssue(parsed.error)}` });
    }
    const message = parsed.data as ClientMessage<typeof type>;
    const opId = message.opId;
    if (!this.state.players.has(client.sessionId)) {
      return this.refuse(client, opId, { code: "UNKNOWN_PLAYER", message: "You are not seated in this room." });
    }
    if (opId !== undefined) {
      const seq = this.ops.lookup(client.sessionId, opId);
      if (seq !== undefined) return client.send("ack", { opId, seq });
    }

    const refusal = this.dispatch(client, type, message);
    if (refusal) return this.refuse(client, opId, refusal);
    if (opId !== undefined) this.ops.remember(client.sessionId, opId, this.state.seq);
    client.send("ack", { opId: opId ?? null, seq: this.state.seq });
  }

  private dispatch(client: Client, type: ClientMessageType, message: ClientMessage<ClientMessageType>): Outcome {
    switch (type) {
      case "ready":
        return this.setReady(client.sessionId, (message as ClientMessage<"ready">).ready);
      case "start":
        return this.start(client.sessionId);
      case "chat":
        return this.chat(client.sessionId, (message as ClientMessage<"chat">).text);
      default:
        return this.act(client.sessionId, type);
    }
  }

  private refuse(client: Client, opId: string | undefined, refusal: Refusal) {
    const error: ErrorMessage = { ...(opId !== undefined ? { opId } : {}), code: refusal.code, message: refusal.message };
    client.send("error", error);
  }

  // --- lobby ----------------------------------------------------------------------------------

  private setReady(sessionId: string, ready: boolean): Outcome {
    if (this.state.phase !== "lobby") return { code: "WRONG_PHASE", message: "Ready only counts in the lobby." };
    this.state.players.get(sessionId)!.ready = ready;
    this.bump();
    return null;
  }

  private start(sessionId: string): Outcome {
    if (this.state.phase !== "lobby") return { code: "WRONG_PHASE", message: "The game has already started." };
    const players = [...this.state.players.values()];
    const refusal = startRefusal(players, this.state.hostId, sessionId);
    if (refusal) return refusal;

    const seated = [...players].sort((a, b) => a.seat - b.seat).map((p) => ({ id: p.id, name: p.name, seat: p.seat }));
    const seed = randomInt(0, 2 ** 32);
    this.game = rules.newGame(seated, { seed, maxRounds: this.options.maxRounds });
    this.startedAt = new Date();
    void this.setMatchmaking({ locked: true, metadata: { ...this.metadata, phase: "playing" } });

    this.state.seq++;
    project(this.game, this.state);
    this.state.turnOrder.clear();
    this.state.turnOrder.push(...this.game.players.map((p) => p.id));
    this.scheduleTurn();
    this.publish([
      { type: "game_started", turnOrder: [...this.state.turnOrder] },
      { type: "turn_started", player: this.state.currentTurn, round: this.state.round },
    ]);
    return null;
  }

  private chat(sessionId: string, text: string): Outcome {
    const player = this.state.players.get(sessionId)!;
    const message: ChatMessage = { from: sessionId, name: player.name, text, at: Date.now() };
    remember(this.recentChats, message, HISTORY_CHATS);
    this.broadcast("chat", message);
    return null;
  }

  // --- game -----------------------------------------------------------------------------------

  private act(sessionId: string, type: GameActionType): Outcome {
    if (!this.game || this.state.phase !== "playing") {
      return { code: "WRONG_PHASE", message: this.state.phase === "lobby" ? "The game has not started yet." : "The game is over." };
    }
    const result = rules.apply(this.game, sessionId, { type });
    if (!result.ok) return result.error;
    this.commit(result.state, result.events);
    return null;
  }

  /** Makes a rules result the room's truth: state, seq, an immediate patch, events, then the next deadline. */
  private commit(next: rules.GameState, events: rules.GameEvent[], schedule = true) {
    this.game = next;
    this.state.seq++;
    project(next, this.state);
    this.publish(events);
    if (next.finished) return this.finish(events.find((e) => e.type === "game_over"));
    if (schedule) this.scheduleTurn();
  }

  /**
   * Sends the state change now (not at the next patch tick), then the events that explain it.
   * Inside a clock callback a patch is already being built (the clock ticks at the start of
   * broadcastPatch), so the change rides on that one and the events follow it.
   */
  private publish(events: Array<{ type: string; [k: string]: unknown }>) {
    for (const event of events) {
      const message: EventMessage = { ...event, seq: this.state.seq };
      remember(this.recentEvents, message, HISTORY_EVENTS);
      this.broadcast("event", message, { afterNextPatch: true });
    }
    this.flush();
  }

  private forfeit(sessionId: string) {
    if (!this.game) return;
    const result = rules.forfeit(this.game, sessionId);
    if (result.ok) this.commit(result.state, result.events);
  }

  /** Publishes the deadline of the player on turn and arms the timer that plays for them. */
  private scheduleTurn() {
    this.turnTimer?.clear();
    if (!this.game || this.game.finished) return;
    const current = rules.currentPlayerId(this.game);
    if (!current) return;
    const seconds = this.gone.has(current)
      ? Math.min(this.options.turnSeconds, this.deps.settings.awayTurnSeconds)
      : this.options.turnSeconds;
    this.state.turnDeadline = Date.now() + seconds * 1000;
    this.turnTimer = this.clock.setTimeout(() => {
      this.inClockCallback = true;
      try {
        this.playTurnFor(current);
      } finally {
        this.inClockCallback = false;
      }
    }, seconds * 1000);
  }

  /** The deadline passed: the server plays the rest of the turn as the rules' default (roll, pass, end). */
  private playTurnFor(playerId: string) {
    for (let i = 0; i < MAX_AUTO_ACTIONS && this.game && !this.game.finished; i++) {
      if (rules.currentPlayerId(this.game) !== playerId) break;
      const action = rules.autoAction(this.game);
      if (!action) break;
      const result = rules.apply(this.game, playerId, action);
      if (!result.ok) {
        this.deps.log?.(`room ${this.roomId}: the automatic ${action.type} was refused: ${result.error.code}`);
        break;
      }
      this.commit(result.state, result.events, false);
    }
    this.scheduleTurn();
  }

  private finish(gameOver: rules.GameEvent | undefined) {
    this.turnTimer?.clear();
    this.state.turnDeadline = 0;
    void this.setMatchmaking({ metadata: { ...this.metadata, phase: "finished" } });
    const game = this.game!;
    const record: MatchRecord = {
      roomId: this.roomId,
      code: this.state.code,
      seed: game.seed,
      startedAt: this.startedAt ?? new Date(),
      endedAt: new Date(),
      rounds: game.round,
      endReason: String(gameOver?.reason ?? "last_player_standing"),
      winnerName: game.players.find((p) => p.id === game.winner)?.name ?? "",
      players: rules.outcomes(game).map(({ id: _sessionId, ...result }) => result),
    };
    this.deps.store.matches.record(record).catch((e: Error) => {
      this.deps.log?.(`room ${this.roomId}: could not record the finished match: ${e.message}`);
    });
  }

  // --- seats ----------------------------------------------------------------------------------

  private bump() {
    this.state.seq++;
    this.flush();
  }

  /** Sends pending state changes now; inside a clock callback the patch being built carries them. */
  private flush() {
    if (!this.inClockCallback) this.broadcastPatch();
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

/** Appends to a bounded history, dropping the oldest. */
function remember<T>(list: T[], item: T, max: number) {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** Binds the room to its dependencies, for `defineRoom`. */
export function gameRoom(deps: RoomDeps): typeof GameRoom {
  return class BoundGameRoom extends GameRoom {
    protected deps = deps;
  };
}
