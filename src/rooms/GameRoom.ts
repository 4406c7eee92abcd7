/**
 * The `game` room: a thin adapter between Colyseus and the match (src/match). It validates what
 * clients send, turns it into a log entry, lets the keeper commit it, and only then copies the new
 * state into the synchronized schema and replies: `ack` to the sender, `event` to everyone, or a
 * typed `error` to the sender. A restored room starts from the match its log replays to. Who may
 * come in (admission.ts), what the matchmaker lists of the room (listing.ts), its hold on its code
 * and log (ownership.ts), seat handover (handover.ts), the match records (recording.ts) and
 * Colyseus's private members (colyseusPrivates.ts) are modules of their own.
 */
import { randomInt } from "node:crypto";
import { CloseCode, Room, matchMaker, type AuthContext, type Client } from "@colyseus/core";
import type { Settings } from "../config.ts";
import type { FloodGuard } from "../http/floods.ts";
import * as rules from "../game/index.ts";
import type { PlayerTokens } from "../auth/tokens.ts";
import {
  CLIENT_MESSAGE_TYPES,
  CLOSE_REJOIN,
  clientMessages,
  salvageOpId,
  type ClientMessage,
  type ClientMessageType,
  type ErrorMessage,
  type GameActionType,
  type SeatMessage,
} from "../messages/contract.ts";
import type { ActionErrorCode, JoinErrorName } from "../messages/errors.ts";
import { JoinError } from "../messages/errors.ts";
import { createOptionsSchema, describeIssue } from "../messages/options.ts";
import { MatchKeeper } from "../match/keeper.ts";
import type { Metrics } from "../metrics.ts";
import type { LogEntry } from "../match/log.ts";
import { departure, nextSeat, repeatedOp, type Match, type Refusal, type Stepped } from "../match/match.ts";
import { GameState } from "../schema/GameState.ts";
import type { Store } from "../store/types.ts";
import {
  admit,
  admitBySeatKind,
  authOf,
  headcount,
  joiningName,
  maxClientsFor,
  wantsToSpectate,
  type AdmittingRoom,
  type Headcount,
  type SeatAuth,
  type SpectatorAuth,
} from "./admission.ts";
import { gateSeatReservations, messagesLastSecond, reconnections, reserveSeat, reservedSeats, tickClockOnMessages } from "./colyseusPrivates.ts";
import { Spectators } from "./spectators.ts";
import { corked } from "./corked.ts";
import { isJoinRefusal, joinError } from "./joinErrors.ts";
import { Listing, type GameMetadata } from "./listing.ts";
import { projectMatch } from "./projection.ts";
import { MatchRecorder } from "./recording.ts";
import { handOver, openRoom, release } from "./ownership.ts";
import { SeatHandover, type SeatedRoom } from "./handover.ts";
import { newSeatToken, type RejoinAnswer } from "./seats.ts";

export interface RoomDeps {
  store: Store;
  settings: Pick<Settings, "reconnectSeconds" | "restoreWaitSeconds" | "maxMessagesPerSecond" | "minTurnSeconds" | "awayTurnSeconds">;
  log?: (line: string) => void;
  metrics?: Metrics;
  floods?: FloodGuard;
  /** Player tokens; absent or not `required` = anyone may join under any name. */
  tokens?: PlayerTokens;
}

/**
 * An idle room costs no CPU. Every change is sent at once (see show), so Colyseus's periodic patch
 * has nothing to do; a patchRate of 0 would make it tick the room clock at 60 Hz instead, so the
 * patch timer is left to exist at the longest interval Node allows (24.8 days). Turn timers are
 * Node timers (one heap for the process, nothing per room per tick), and the room clock, which
 * Colyseus reads to count each client's messages per second, is ticked as each message arrives.
 */
const NO_PATCH_TIMER_MS = 2 ** 31 - 1;

/** A pending timeout of the room. */
interface Pending {
  clear(): void;
}

/** Rooms being restored by this process, by roomId: onCreate starts from this match instead of a new one. */
export const restoring = new Map<string, Match>();

export class GameRoom extends Room<{ state: GameState; metadata: GameMetadata }> {
  /** Bound by `gameRoom(deps)`; the matchmaker constructs rooms without arguments. */
  protected deps!: RoomDeps;
  private readonly log = (line: string) => this.deps.log?.(line);
  protected keeper!: MatchKeeper;
  private readonly connected = new Set<string>();
  /** Seat tokens this process has handed out or been shown, to send again after a reconnect. */
  private readonly tokens = new Map<string, string>();
  private turnTimer: Pending | null = null;
  private returnTimer: Pending | null = null;
  private recorder!: MatchRecorder;
  private readonly spectators = new Spectators();
  /** The room is being handed over (a graceful stop) or is owned elsewhere: keep its log and code. */
  private handingOver = false;
  private readonly handover = new SeatHandover(this.seatedRoom());
  private readonly listing = new Listing(
    this,
    () => ({ match: this.keeper.match, spectators: this.spectators.size, headcount: this.headcount() }),
    this.log,
  );

  /**
   * Runs in the matchmaking request, before a seat is reserved: the player token when tokens are on
   * (see `gameRoom`), then the options; malformed ones are refused early.
   */
  static async onAuth(token: string, options: unknown, _context: AuthContext): Promise<true | SeatAuth | SpectatorAuth> {
    return admit(undefined, token, options);
  }

  async onCreate(options: unknown) {
    this.patchRate = NO_PATCH_TIMER_MS;
    tickClockOnMessages(this);
    gateSeatReservations(this, (reserve) => admitBySeatKind(this.admittingRoom(), reserve));
    this.maxMessagesPerSecond = this.deps.settings.maxMessagesPerSecond;
    this.state = new GameState();
    for (const type of CLIENT_MESSAGE_TYPES) {
      this.onMessage(type, (client: Client, payload: unknown) => this.receive(client, type, payload));
    }
    this.onMessage("*", (client: Client, type: string | number, payload: unknown) =>
      this.refuse(client, salvageOpId(payload), { code: "UNKNOWN_MESSAGE", message: `There is no message type "${String(type).slice(0, 40)}".` }),
    );

    this.recorder = new MatchRecorder(this.roomId, this.deps.store.matches, () => this.handingOver, this.log);
    const restored = restoring.get(this.roomId);
    restoring.delete(this.roomId);
    const match = restored ?? (await this.open(options));
    this.keeper = new MatchKeeper(this.roomId, this.deps.store.logs, this.deps.settings, match, {
      lateCommit: (stepped) => this.publish(stepped),
      lost: (e) => this.moveOut(e.message),
      log: this.log,
    }, matchMaker.processId);
    this.maxClients = maxClientsFor(match.options.maxPlayers);
    await this.listing.open();
    projectMatch(match, this.state, () => false);
    if (restored) this.awaitReturns();
    this.armTurnTimer();
    this.recorder.recordIfFinished(match);
    this.deps.metrics?.track(this);
  }

  /** A new room: its options checked, then its join code and its log's first entry (ownership.ts). */
  private async open(options: unknown): Promise<Match> {
    if (wantsToSpectate(options)) throw joinError("INVALID_OPTIONS", "spectate is for joining a room: a room is created by a player.");
    const parsed = createOptionsSchema(this.deps.settings.minTurnSeconds).partial({ name: true }).safeParse(options ?? {});
    if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
    const { name: _creator, ...setup } = parsed.data;
    // the creator's name was checked by onAuth (it may come from the player token)
    return openRoom(this.deps.store, this.roomId, setup, this.log);
  }

  async onJoin(client: Client, options: unknown, authData?: unknown) {
    if (this.keeper.match.players.some((p) => p.id === client.sessionId)) return this.welcomeBack(client);
    const auth = authOf(authData);
    if (wantsToSpectate(options)) return this.watch(client, options, auth);

    const playerName = joiningName(options, auth);
    const { token, hash } = newSeatToken();
    const identity = auth ? { identity: auth.identity } : {};
    const result = await this.keeper.serially(() => {
      const seat = nextSeat(this.keeper.match);
      if (seat === null) return { ok: false as const, error: { code: "ROOM_FULL", message: `This room is full (${this.keeper.match.options.maxPlayers} players).` } as Refusal };
      return this.keeper.commit({ t: "seat", at: Date.now(), id: client.sessionId, name: playerName, seat, tokenHash: hash, ...identity });
    });
    if (!result.ok) {
      const name = (result.error.code in JoinError ? result.error.code : "INVALID_OPTIONS") as JoinErrorName;
      throw joinError(name, result.error.message);
    }
    this.tokens.set(client.sessionId, token);
    this.connected.add(client.sessionId);
    this.publish(result);
    this.welcome(client);
  }

  /**
   * A spectator: no seat, no log entry, no seat token; the state and the history as a player gets
   * them. The limit was checked when the seat was reserved (admitBySeatKind).
   */
  private watch(client: Client, options: unknown, auth: SeatAuth | SpectatorAuth | null) {
    this.spectators.add(client.sessionId, joiningName(options, auth));
    this.show();
    this.listing.relist();
    this.welcome(client);
  }

  /**
   * A player whose seat was reserved by a rejoin, or by a join of the same identity (its sessionId):
   * back in their seat. Another connection of that seat (a second device) gives way to this one.
   */
  private async welcomeBack(client: Client) {
    this.handover.replaceOtherConnections(client);
    this.connected.add(client.sessionId);
    const seat = this.keeper.match.players.find((p) => p.id === client.sessionId);
    if (seat?.gone) {
      const back = await this.keeper.serially(() => this.keeper.commitSurely({ t: "back", at: Date.now(), id: client.sessionId, deadline: 0 }));
      if (back) this.publish(back);
    }
    this.show();
    this.welcome(client);
  }

  /** What a player gets on every join, reconnect and rejoin: their seat token and the room's history. */
  private welcome(client: Client) {
    const seatToken = this.tokens.get(client.sessionId);
    if (seatToken) client.send("seat", { seatToken } satisfies SeatMessage);
    client.send("history", { events: this.keeper.match.events, chats: this.keeper.match.chats });
  }

  onDrop(client: Client, code?: number) {
    const seat = this.keeper.match.players.find((p) => p.id === client.sessionId);
    // a spectator has no reconnection window: Colyseus calls onLeave now
    if (!seat || this.handingOver) return;
    if (this.handover.wasTakenOver(client)) return this.handover.letGo(client);
    if (code === CloseCode.SERVER_SHUTDOWN || code === CLOSE_REJOIN) return;
    this.connected.delete(client.sessionId);
    this.show();
    // Colyseus cuts a flooder with WITH_ERROR (4002), as it does a few other faults: the message count
    // over the limit tells which. No reconnection window: Colyseus calls onLeave now, which departs.
    if (code === CloseCode.WITH_ERROR && messagesLastSecond(client) > this.maxMessagesPerSecond) {
      this.deps.log?.(`room ${this.roomId}: ${client.sessionId} cut for flooding (over ${this.maxMessagesPerSecond} messages a second)`);
      void this.deps.floods?.cut(seat.tokenHash, client.ref).catch((e) => this.deps.log?.(`could not count a flood cut: ${(e as Error).message}`));
      return;
    }
    // Rejected when the window runs out; Colyseus then calls onLeave.
    this.allowReconnection(client, this.deps.settings.reconnectSeconds).catch(() => {});
  }

  onReconnect(client: Client) {
    this.connected.add(client.sessionId);
    this.show();
    this.welcome(client);
  }

  /** A deliberate leave (code CONSENTED), or a drop whose reconnection window ran out. */
  async onLeave(client: Client, code?: number) {
    if (this.spectators.remove(client.sessionId)) {
      if (this.handingOver) return;
      this.show();
      return this.listing.relist();
    }
    // a newer connection of the same player (a rejoin, another device) took the seat meanwhile
    if (this.clients.some((c) => c.sessionId === client.sessionId)) return;
    this.connected.delete(client.sessionId);
    if (this.handingOver) return;
    await this.depart(client.sessionId, code === CloseCode.CONSENTED);
  }

  /** A player who is no longer here: the entry the match says (src/match departure), committed surely. */
  private async depart(sessionId: string, consented: boolean) {
    if (!this.keeper.match.players.some((p) => p.id === sessionId)) return;
    const entry = departure(this.keeper.match, sessionId, consented, Date.now());
    if (!entry) return this.show();
    const stepped = await this.keeper.serially(() => this.keeper.commitSurely(entry));
    if (stepped) this.publish(stepped);
    else this.show();
  }

  /**
   * A graceful stop with a durable store: everything queued is committed, the room is handed over
   * (its code stops resolving until a process claims it), and the players are told to rejoin.
   * Without a durable store the room ends as Colyseus ends it.
   */
  async onBeforeShutdown() {
    if (!this.deps.store.logs.durable) return super.onBeforeShutdown();
    await this.keeper.idle();
    this.keeper.stop();
    this.handingOver = true;
    await handOver(this.deps.store, this.presence, this.roomId, this.log);
    await this.disconnect(CLOSE_REJOIN).catch(() => {});
  }

  /** Another process owns the room now: the players rejoin there. */
  private moveOut(reason: string) {
    if (this.handingOver) return;
    this.handingOver = true;
    this.deps.log?.(`room ${this.roomId}: ${reason}; telling its players to rejoin`);
    void this.disconnect(CLOSE_REJOIN).catch(() => {});
  }

  async onDispose() {
    this.deps.metrics?.untrack(this);
    this.turnTimer?.clear();
    this.returnTimer?.clear();
    this.keeper?.stop();
    if (this.handingOver || !this.keeper) return;
    await this.recorder.settled();
    await release(this.deps.store, this.roomId, this.state?.code, this.log);
  }

  onUncaughtException(error: Error, methodName: string) {
    // A typed refusal thrown from onCreate/onJoin is an answer to the client, not a fault.
    if (isJoinRefusal(error.cause) || isJoinRefusal(error)) return;
    this.deps.log?.(`room ${this.roomId} (${this.state?.code}): uncaught exception in ${methodName}: ${error.stack ?? error.message}`);
  }

  // --- rejoin ---------------------------------------------------------------------------------

  /** Called by POST /rooms/:code/rejoin on whichever process took the request (remoteRoomCall); see SeatHandover. */
  async prepareRejoin(seatToken: string, identity?: string): Promise<RejoinAnswer> {
    return this.handover.prepareRejoin(seatToken, identity);
  }

  /** Called by the matchmaker's join of a seated identity into a room that refuses joins; see SeatHandover. */
  async prepareTakeover(identity: string): Promise<RejoinAnswer> {
    return this.handover.prepareTakeover(identity);
  }

  /** The identity a connection to this sessionId must carry: its seat's, or its reservation's; null = any. */
  identityOf(sessionId: string): string | null {
    return this.handover.identityOf(sessionId);
  }

  /** The handover's view of this room: read when it acts, so the bound deps and the keeper are there. */
  private seatedRoom(): SeatedRoom {
    const room = this;
    return {
      get match() {
        return room.keeper?.match;
      },
      get clients() {
        return room.clients;
      },
      connected: room.connected,
      seatTokens: room.tokens,
      get handingOver() {
        return room.handingOver;
      },
      get tokensRequired() {
        return room.deps.tokens?.required === true;
      },
      get reconnections() {
        return reconnections(room);
      },
      get reservedSeats() {
        return reservedSeats(room) as SeatedRoom["reservedSeats"];
      },
      reserveSeat: (sessionId) => reserveSeat(room, sessionId, { rejoin: true }),
      holdSeat: (client) => {
        room.connected.delete(client.sessionId);
        room.show();
        room.allowReconnection(client, room.deps.settings.reconnectSeconds).catch(() => {});
      },
    };
  }

  // --- messages -------------------------------------------------------------------------------

  private receive(client: Client, type: ClientMessageType, payload: unknown) {
    const acked = this.deps.metrics?.received(type);
    const parsed = clientMessages[type].safeParse(payload ?? {});
    if (!parsed.success) {
      return this.refuse(client, salvageOpId(payload), { code: "INVALID_MESSAGE", message: `${type}: ${describeIssue(parsed.error)}` });
    }
    const message = parsed.data as ClientMessage<typeof type>;
    const opId = message.opId;
    if (this.spectators.has(client.sessionId) && type !== "chat") {
      return this.refuse(client, opId, { code: "SPECTATOR", message: `You are watching this game: a spectator cannot play or get ready (${type}).` });
    }
    if (!this.spectators.has(client.sessionId) && !this.keeper.match.players.some((p) => p.id === client.sessionId)) {
      return this.refuse(client, opId, { code: "UNKNOWN_PLAYER", message: "You are not seated in this room." });
    }
    if (this.keeper.paused) return this.refuse(client, opId, { code: "UNAVAILABLE", message: "The game is paused: the server cannot save moves right now. Try again in a moment." });
    // a player the matchmaker has seated but who has not connected yet would find the game started
    // without them (GAME_STARTED at connect): the start waits for them to arrive and get ready
    if (type === "start" && this.headcount().players > this.keeper.match.players.length) {
      return this.refuse(client, opId, { code: "NOT_READY", message: "A player is joining: start once they are in and ready." });
    }

    void this.keeper.serially(async () => {
      // checked in order, so a repeat queued behind its original is answered, not applied
      const repeat = repeatedOp(this.keeper.match, client.sessionId, opId);
      if (repeat) return client.send("ack", repeat);
      const result = await this.keeper.commit(this.entryFor(client.sessionId, type, message));
      if (!result.ok) return this.refuse(client, opId, result.error);
      corked(this.clients, () => {
        this.publish(result);
        acked?.();
        client.send("ack", result.ack ?? { opId: opId ?? null, seq: this.keeper.match.seq });
      });
    });
  }

  private entryFor(sessionId: string, type: ClientMessageType, message: ClientMessage<ClientMessageType>): LogEntry {
    const at = Date.now();
    const opId = message.opId;
    switch (type) {
      case "ready":
        return { t: "ready", at, id: sessionId, ready: (message as ClientMessage<"ready">).ready, opId };
      case "start":
        return { t: "start", at, id: sessionId, seed: randomInt(0, 2 ** 32), opId, deadline: 0 };
      case "chat": {
        const spectator = this.spectators.nameOf(sessionId);
        return { t: "chat", at, id: sessionId, text: (message as ClientMessage<"chat">).text, opId, ...(spectator !== undefined ? { spectator: { name: spectator } } : {}) };
      }
      case "rematch":
        return { t: "rematch", at, id: sessionId, keep: this.present(), opId };
      default:
        return { t: "act", at, id: sessionId, action: type as GameActionType, opId, deadline: 0 };
    }
  }

  private refuse(client: Client, opId: string | undefined, refusal: Refusal) {
    this.deps.metrics?.refused(refusal.code);
    const error: ErrorMessage = { ...(opId !== undefined ? { opId } : {}), code: refusal.code as ActionErrorCode, message: refusal.message };
    client.send("error", error);
  }

  // --- publishing -----------------------------------------------------------------------------

  /**
   * Makes a committed step visible: the state now (not at the next patch tick), then the events
   * and chat that explain it, then the next deadline; the matchmaker learns of phase changes.
   */
  private publish(stepped: Stepped) {
    corked(this.clients, () => {
      this.show();
      for (const event of stepped.events) this.broadcast("event", event);
      if (stepped.chat) this.broadcast("chat", stepped.chat);
    });
    this.listing.relist();
    this.armTurnTimer();
    this.recorder.recordIfFinished(this.keeper.match);
  }

  /** Copies the match into the schema and sends the patch now. */
  private show() {
    projectMatch(this.keeper.match, this.state, (id) => this.connected.has(id), this.spectators.size);
    this.broadcastPatch();
  }

  /** The players a rematch keeps: connected, or dropped and within their reconnection window. */
  private present(): string[] {
    const held = new Set(Object.values(reconnections(this)).map(([sessionId]) => sessionId));
    return this.keeper.match.players.filter((p) => this.connected.has(p.id) || held.has(p.id)).map((p) => p.id);
  }

  // --- listing and admission ------------------------------------------------------------------

  /** Players and spectators in the room or on their way in, by kind (see admission.ts). */
  private headcount(): Headcount {
    return headcount(this.keeper.match, this.spectators, reservedSeats(this));
  }

  /** Admission's view of this room: read when a seat is reserved, so the keeper is there. */
  private admittingRoom(): AdmittingRoom {
    const room = this;
    return {
      get match() {
        return room.keeper?.match;
      },
      headcount: () => room.headcount(),
      get seatReservationTimeout() {
        return room.seatReservationTimeout;
      },
      relist: () => room.listing.relist(),
      later: (handler, ms) => room.later(handler, ms),
    };
  }

  // --- timers ---------------------------------------------------------------------------------

  /** Arms the timer that plays the current turn when the match's deadline passes. */
  private armTurnTimer() {
    this.turnTimer?.clear();
    this.turnTimer = null;
    const match = this.keeper.match;
    if (match.phase !== "playing" || !match.game || match.deadline === 0) return;
    const current = rules.currentPlayerId(match.game);
    if (!current) return;
    const deadline = match.deadline;
    this.turnTimer = this.later(() => {
      void this.keeper.serially(async () => {
        // an action that came in meanwhile moved the deadline
        if (this.keeper.match.deadline !== deadline || rules.currentPlayerId(this.keeper.match.game!) !== current) return;
        const stepped = await this.keeper.commitSurely({ t: "auto", at: Date.now(), id: current, deadline: 0 });
        if (stepped) this.publish(stepped);
      });
    }, Math.max(0, deadline - Date.now()));
  }

  /**
   * A restored room has nobody connected: each player has RESTORE_WAIT_SECONDS to take their seat
   * back; whoever has not by then is treated as a player whose reconnection window ran out.
   */
  private awaitReturns() {
    this.autoDispose = false;
    this.returnTimer = this.later(async () => {
      for (const seat of this.keeper.match.players) {
        if (!this.connected.has(seat.id)) await this.depart(seat.id, false);
      }
      this.autoDispose = true;
      if (this.clients.length === 0) void this.disconnect();
    }, this.deps.settings.restoreWaitSeconds * 1000);
  }

  /**
   * A timeout whose handler runs as a task of its own (its failure reported as the room's), on
   * Node's timers rather than the room clock: the clock is not ticked while nothing happens.
   */
  private later(handler: () => unknown, ms: number): Pending {
    const timer = setTimeout(() => {
      Promise.resolve()
        .then(handler)
        .catch((e: Error) => this.onUncaughtException(e, "setTimeout"));
    }, ms);
    return { clear: () => clearTimeout(timer) };
  }
}

/** Binds the room to its dependencies, for `defineRoom`. */
export function gameRoom(deps: RoomDeps): typeof GameRoom {
  return class BoundGameRoom extends GameRoom {
    protected deps = deps;

    static override async onAuth(token: string, options: unknown, _context: AuthContext): Promise<true | SeatAuth | SpectatorAuth> {
      return admit(deps.tokens, token, options);
    }
  };
}
