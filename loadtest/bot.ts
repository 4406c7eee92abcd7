/**
 * Bots that play like people, through the public contract only (docs/protocol.md): a private group
 * of up to five where one creates and the others type its code (GET /rooms/:code, then joinById),
 * or quick-play bots that joinOrCreate public rooms. They ready up, the host starts, each plays its
 * own turns after a think time (roll / pay_bail / buy / pass / end_turn, with opIds, waiting for
 * the ack), and when the game is over they leave and start again.
 *
 * A bot keeps its seat through a server restart: it keeps the `seat` token, and when the server
 * closes it with 4100 (CLOSE_REJOIN) or the SDK's own reconnection gives up, it takes the seat back
 * by token (POST /rooms/:code/rejoin), sends again what was left unanswered (same opIds), and checks
 * that the room still knows what it acknowledged. An action refused with UNAVAILABLE is sent again
 * with the same opId.
 *
 * Each bot measures with its own clock: join times, action -> ack, action -> the state change
 * (state.seq reaching the ack's seq) on every member of the room, which works because a room's
 * members live in this process (see `seatsByRoom`), and the time out of its seat.
 */
import { botToken, type BotAuth } from "./tokens.ts";
import { Client, type Room } from "@colyseus/sdk";
import {
  CLOSE_REJOIN,
  type AckMessage,
  type ChatMessage,
  type ErrorMessage,
  type EventMessage,
  type HistoryMessage,
  type SeatMessage,
} from "../src/messages/contract.ts";
import type { Metrics } from "./metrics.ts";

export interface BotSettings {
  /** ws:// endpoints; bots spread over them (matchmaking goes to any, the seat reservation says where to connect). */
  endpoints: string[];
  /** Mean think time before each move; each wait is uniform in [0.5, 1.5] times this. */
  thinkMs: number;
  /** Share of groups that play in private rooms reached by code; the rest use quick play. */
  privateRatio: number;
  /** maxRounds of the rooms bots create: uniform in [rounds, 2 * rounds], so games do not end in step. */
  rounds: number;
  turnSeconds: number;
  /** Players per group (and per quick-play room), 2-5. */
  groupSize: number;
  /** A quick-play host starts with 2+ ready players after this long, without waiting for a full room. */
  lobbyWaitMs: number;
  /** How long an answer (ack/error), a join, or a state change may take before it counts as an error. */
  timeoutMs: number;
  /** How long a bot keeps trying to get back into play: taking its seat back by token, or resending an action refused with UNAVAILABLE. */
  retryForMs: number;
  /** After taking its seat back, how many of its acknowledged opIds a bot sends again, expecting each one's original ack (0: none). */
  verifyAcks: number;
  /** `--auth`: each bot signs its own player token (HS256 with the server's AUTH_JWT_SECRET); null = none. */
  auth: BotAuth | null;
}

export const DEFAULT_BOT_SETTINGS: BotSettings = {
  endpoints: ["ws://127.0.0.1:2567"],
  thinkMs: 1000,
  privateRatio: 0.5,
  rounds: 2,
  turnSeconds: 10,
  groupSize: 5,
  lobbyWaitMs: 3000,
  timeoutMs: 10_000,
  retryForMs: 60_000,
  verifyAcks: 5,
  auth: null,
};

const GAME_ACTIONS = new Set(["roll", "buy", "pass", "end_turn", "pay_bail"]);
const JOIN_RACES = new Set([404, 409, 410, 423, 522, 524]);
/**
 * Refusals of an action sent again after a rejoin that mean only "the game moved on meanwhile"
 * (the turn timer played it): the action was never acknowledged, so nothing was promised.
 */
const RESENT_RACES = new Set(["NOT_YOUR_TURN", "WRONG_STAGE", "WRONG_PHASE", "GAME_OVER"]);
/** Answers to POST /rooms/:code/rejoin that are final (docs/protocol.md); anything else is retried. */
const REJOIN_FINAL = new Set([400, 403, 410]);
const SEQ_HISTORY = 64;
/** The SDK's own reconnection (for a dropped connection within the server's window) is kept short: after that the bot rejoins by token. */
const SDK_RECONNECT = { maxRetries: 3, maxDelay: 1000 };
/** Acknowledged opIds a seat remembers for the check after a rejoin. */
const ACKS_KEPT = 500;
/** Between two re-sent opIds after a rejoin: well under MAX_MESSAGES_PER_SECOND beside the bot's own moves. */
const VERIFY_SPACING_MS = 250;

/** Room members of this process, by roomId: their states tell when an action reached all of them. */
const seatsByRoom = new Map<string, Set<Seat>>();
let liveSeatCount = 0;
let awaySeatCount = 0;

/** Bots of this process connected to a room right now, the rooms they are in, and the seats trying to get back. */
export function presence() {
  return { players: liveSeatCount, rooms: seatsByRoom.size, away: awaySeatCount };
}

type Answer = { opId?: string | null; seq?: number; code?: string; message?: string };

/** Every message the server sends a client (docs/protocol.md, "Messages: server to client"), by type. */
interface ServerMessages {
  ack: AckMessage;
  error: ErrorMessage;
  event: EventMessage;
  chat: ChatMessage;
  history: HistoryMessage;
  seat: SeatMessage;
}
export const SERVER_MESSAGE_TYPES = ["ack", "error", "event", "chat", "history", "seat"] as const satisfies ReadonlyArray<keyof ServerMessages>;

/** The seat a bot holds in each room, once it has one: where the room's answers go. */
const seatOfRoom = new WeakMap<Room<any>, Seat>();
/** The latest seat token each room's connection received (it may come before the join resolves). */
const tokenOfRoom = new WeakMap<Room<any>, string>();

/**
 * What a bot does with each server message. Answers settle the ask they answer; the seat token is
 * kept to take the seat back; the room's log (events, chat lines, and the history replayed on join)
 * is read by nobody, because a bot plays from the state.
 */
function handleServerMessages(room: Room<any>) {
  const handlers: { [T in keyof ServerMessages]: (message: ServerMessages[T]) => void } = {
    ack: (m) => seatOfRoom.get(room)?.answer(m),
    error: (m) => seatOfRoom.get(room)?.answer(m),
    event: () => {},
    chat: () => {},
    history: () => {},
    seat: (m) => void (typeof m?.seatToken === "string" && tokenOfRoom.set(room, m.seatToken)),
  };
  const register = <T extends keyof ServerMessages>(type: T) => room.onMessage(type, handlers[type]);
  for (const type of SERVER_MESSAGE_TYPES) register(type);
}

/**
 * The bots' SDK client. Each room it makes handles every server message before it connects: the
 * `seat` and `history` sent on join can come in the same packet as the join, before the code
 * awaiting the join runs.
 */
export class BotClient extends Client {
  protected override createRoom(roomName: string, rootSchema?: any): Room<any, any> {
    const room = super.createRoom(roomName, rootSchema);
    handleServerMessages(room);
    return room;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Exponential backoff with jitter: ~100 ms, 200, 400, ... up to `capMs`. */
function backoff(attempt: number, capMs = 1000): number {
  return Math.min(capMs, 100 * 2 ** attempt) * (0.5 + Math.random());
}

export function httpBase(endpoint: string): string {
  return endpoint.replace(/^ws(s?):\/\//, "http$1://").replace(/\/$/, "");
}
/** Shared by every bot of a process: one SDK client per endpoint, the board's prices, the metrics. */
export class BotContext {
  readonly clients: BotClient[];
  /** With --auth, each bot's own SDK clients (one per endpoint), carrying its token. */
  private readonly ownClients = new Map<string, BotClient[]>();
  stopped = false;
  private prices: Array<number | null> | null = null;
  private readonly stopWaiters = new Set<() => void>();
  private wakeAll!: () => void;
  /** Resolves when the bots are stopped. */
  readonly stopping = new Promise<void>((resolve) => (this.wakeAll = resolve));

  constructor(
    readonly settings: BotSettings,
    readonly metrics: Metrics,
  ) {
    this.clients = settings.endpoints.map((e) => new BotClient(e));
  }

  /**
   * The SDK clients (one per endpoint) a bot plays through: the shared ones, or with --auth its own,
   * whose token the SDK sends on matchmaking and on the room's WebSocket.
   */
  async clientsFor(name: string): Promise<BotClient[]> {
    if (!this.settings.auth) return this.clients;
    let own = this.ownClients.get(name);
    if (!own) {
      const token = await botToken(this.settings.auth, name);
      own = this.settings.endpoints.map((e) => {
        const client = new BotClient(e);
        client.auth.token = token;
        return client;
      });
      this.ownClients.set(name, own);
    }
    return own;
  }

  /** The clients clientsFor gave this bot (the shared ones without --auth). */
  clientsOf(name: string): BotClient[] {
    return this.ownClients.get(name) ?? this.clients;
  }

  /** Tile prices from GET /board (the public contract), fetched once. */
  async loadBoard() {
    const res = await fetch(`${httpBase(this.settings.endpoints[0])}/board`, { signal: AbortSignal.timeout(this.settings.timeoutMs) });
    const body = (await res.json()) as { tiles: Array<{ price?: number | null }> };
    this.prices = body.tiles.map((t) => t.price ?? null);
  }

  price(tile: number): number | null {
    return this.prices?.[tile] ?? null;
  }

  think(scale = 1): Promise<void> {
    return this.pause(this.settings.thinkMs * scale * (0.5 + Math.random()));
  }

  /** Sleeps, but wakes at once when the bots are stopped. */
  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopWaiters.add(done);
    });
  }

  stop() {
    this.stopped = true;
    this.wakeAll();
    for (const wake of [...this.stopWaiters]) wake();
  }

  createOptions(name: string, isPrivate: boolean) {
    const { rounds, turnSeconds, groupSize } = this.settings;
    return { name, private: isPrivate, maxPlayers: groupSize, maxRounds: rounds + Math.floor(Math.random() * (rounds + 1)), turnSeconds };
  }
}

/** A message sent with an opId and not answered yet; sent again with the same opId when needed. */
interface Ask {
  opId: string;
  type: string;
  payload: Record<string, unknown>;
  /** What a timeout counts as: the message type, or "verify". */
  what: string;
  /** The connection it was last sent on (Seat.epoch); sent again when the seat comes back on a newer one. */
  epoch: number;
  /** Sent again after the seat came back: its time includes the time away, so it is not a latency sample. */
  resent: boolean;
  /** When the first UNAVAILABLE came, if one did. */
  unavailableSince: number | null;
  unavailableTries: number;
  timer: NodeJS.Timeout | null;
  settle(answer: Answer | null): void;
}

/** A seq waiter of a seat that lost its connection: that member's time is not measured. */
class AwayError extends Error {}

/** The synchronized state as a player sees it, without who is connected right now. */
function snapshotOf(state: any): string | null {
  try {
    const json = state.toJSON();
    for (const player of Object.values(json.players ?? {}) as Array<{ connected?: boolean }>) delete player.connected;
    return JSON.stringify(json);
  } catch {
    return null;
  }
}

/**
 * One bot seated in one room: answers, seq arrivals, the moves it makes by the stage, and taking
 * the seat back when the connection goes (the SDK's reconnection first, then the seat token).
 */
export class Seat {
  readonly me: string;
  /** The room's current connection: a new Room object after each rejoin by token. */
  room: Room<any>;
  private readonly asks = new Map<string, Ask>();
  /** The acks this seat received, oldest first (bounded): what the room must still know after a rejoin. */
  private readonly acked: AckMessage[] = [];
  /** [seq, performance.now()] when this client's state first showed that seq, oldest first. */
  private readonly seqSeen: Array<[number, number]> = [];
  private readonly seqWaiters = new Set<{ seq: number; resolve: (t: number) => void; reject: (e: Error) => void }>();
  private nextOp = 0;
  private code = "";
  private token: string | null = null;
  /** Bumped every time the seat comes back on a connection. */
  private epoch = 0;
  /** performance.now() when the connection went, while the seat is trying to get back. */
  private awaySince: number | null = null;
  /** The state when the connection went: the highest seq seen, and the state for a comparison. */
  private left: { seq: number; snapshot: string | null } | null = null;
  private verifying: Promise<void> | null = null;
  private present = false;
  private acting = false;
  private readySent = false;
  private lobbySince = performance.now();
  private lobbyTimer: NodeJS.Timeout | null = null;
  private leaving = false;
  private closed = false;
  private finished!: () => void;
  /** Resolves when the game is over, the seat is gone for good, or the bots are stopped. */
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    readonly ctx: BotContext,
    room: Room<any>,
    readonly name: string,
    /** Players the host waits for before starting (a quick-play host also starts after lobbyWaitMs). */
    private readonly expected: number,
    private readonly quickPlay: boolean,
    /** The SDK client (endpoint) the seat was taken through; a rejoin goes there first. */
    private readonly client: BotClient = ctx.clients[0],
  ) {
    this.room = room;
    this.me = room.sessionId;
    this.enterPresence();
    this.attach(room);
  }

  /** The secret that takes this seat back, once the server has sent it. */
  get seatToken(): string | null {
    return tokenOfRoom.get(this.room) ?? this.token;
  }

  private attach(room: Room<any>) {
    seatOfRoom.set(room, this);
    Object.assign(room.reconnection, SDK_RECONNECT);
    room.onStateChange((state: any) => room === this.room && this.onState(state));
    room.onDrop(() => {
      if (room !== this.room || this.leaving || this.ctx.stopped) return;
      this.ctx.metrics.count("dropped");
      this.goAway();
    });
    room.onReconnect(() => room === this.room && this.cameBack(room, "reconnected"));
    room.onLeave((code: number) => room === this.room && this.onClosed(code));
    if (room.state) this.onState(room.state);
  }

  private enterPresence() {
    if (this.present) return;
    this.present = true;
    liveSeatCount++;
    let members = seatsByRoom.get(this.room.roomId);
    if (!members) {
      members = new Set();
      seatsByRoom.set(this.room.roomId, members);
    }
    members.add(this);
  }

  private leavePresence() {
    if (!this.present) return;
    this.present = false;
    liveSeatCount--;
    const members = seatsByRoom.get(this.room.roomId);
    members?.delete(this);
    if (members?.size === 0) seatsByRoom.delete(this.room.roomId);
  }

  /** The seat is over (left, stopped, or it could not be taken back). */
  private end() {
    this.closed = true;
    this.leavePresence();
    if (this.awaySince !== null) {
      this.awaySince = null;
      awaySeatCount--;
    }
    for (const ask of [...this.asks.values()]) ask.settle(null);
    if (this.lobbyTimer) clearTimeout(this.lobbyTimer);
    this.finished();
  }

  /** An ack or error from the room: settles the ask with that opId, or sends it again after UNAVAILABLE. */
  answer(m: Answer) {
    if (m.opId === null || m.opId === undefined) return;
    const ask = this.asks.get(m.opId);
    if (!ask) return;
    if (m.code === "UNAVAILABLE") return this.unavailable(ask, m);
    ask.settle(m);
  }

  /** The database could not commit it: the same message, same opId, after a backoff (bounded by retryForMs). */
  private unavailable(ask: Ask, m: Answer) {
    const { metrics, settings } = this.ctx;
    metrics.count("unavailable");
    if (ask.timer) clearTimeout(ask.timer);
    ask.timer = null;
    ask.unavailableSince ??= performance.now();
    if (performance.now() - ask.unavailableSince > settings.retryForMs) return ask.settle(m);
    const delay = backoff(ask.unavailableTries++, 2000);
    ask.timer = setTimeout(() => this.asks.get(ask.opId) === ask && this.transmit(ask), delay);
  }

  private onState(state: any) {
    const seq: number = state.seq;
    if (state.code) this.code = state.code;
    const last = this.seqSeen[this.seqSeen.length - 1];
    if (!last || last[0] !== seq) {
      const now = performance.now();
      this.seqSeen.push([seq, now]);
      if (this.seqSeen.length > SEQ_HISTORY) this.seqSeen.shift();
      for (const w of this.seqWaiters) {
        if (seq >= w.seq) {
          this.seqWaiters.delete(w);
          w.resolve(now);
        }
      }
    }
    this.decide();
  }

  /** When this client's state first reached `seq` (now or later); rejects if the seat loses its connection first. */
  reached(seq: number): Promise<number> {
    if (this.room.state && this.room.state.seq >= seq) {
      const first = this.seqSeen.find(([s]) => s >= seq);
      return Promise.resolve(first ? first[1] : performance.now());
    }
    if (this.awaySince !== null || this.closed) return Promise.reject(new AwayError());
    return new Promise((resolve, reject) => this.seqWaiters.add({ seq, resolve, reject }));
  }

  // --- asking -----------------------------------------------------------------------------------

  /**
   * Sends a message with an opId and resolves with its answer: kept (no timeout) while the seat is
   * away and sent again when it is back, sent again after UNAVAILABLE; null after a timeout or when
   * the seat is over.
   */
  private request(opId: string, type: string, payload: Record<string, unknown>, what = type): Promise<{ answer: Answer; resent: boolean } | null> {
    return new Promise((resolve) => {
      const ask: Ask = {
        opId,
        type,
        payload,
        what,
        epoch: this.epoch,
        resent: false,
        unavailableSince: null,
        unavailableTries: 0,
        timer: null,
        settle: (answer) => {
          if (ask.timer) clearTimeout(ask.timer);
          if (this.asks.get(opId) === ask) this.asks.delete(opId);
          resolve(answer ? { answer, resent: ask.resent } : null);
        },
      };
      this.asks.set(opId, ask);
      this.transmit(ask);
    });
  }

  private transmit(ask: Ask) {
    if (ask.timer) clearTimeout(ask.timer);
    ask.timer = null;
    // not connected: sent when the seat is back
    if (this.awaySince !== null || this.closed) return;
    if (ask.epoch < this.epoch) {
      ask.resent = true;
      this.ctx.metrics.count("resent");
    }
    ask.epoch = this.epoch;
    this.room.send(ask.type, ask.payload);
    ask.timer = setTimeout(() => {
      if (!this.closed) this.ctx.metrics.error(`${ask.what}:timeout`, `${this.name}: no answer to ${ask.type} (${ask.opId}) within ${this.ctx.settings.timeoutMs} ms`);
      ask.settle(null);
    }, this.ctx.settings.timeoutMs);
  }

  /** A move, ready or start with a fresh opId; waits for its ack or error. */
  private async ask(type: string, tolerated: string[] = []): Promise<Answer | null> {
    const opId = `${this.name}-${++this.nextOp}`;
    const { metrics } = this.ctx;
    const game = GAME_ACTIONS.has(type);
    const sentAt = performance.now();
    if (game) metrics.count("actions");
    const result = await this.request(opId, type, type === "ready" ? { ready: true, opId } : { opId });
    if (!result) return null;
    const { answer, resent } = result;
    const ackAt = performance.now();
    if (answer.code && (tolerated.includes(answer.code) || (resent && RESENT_RACES.has(answer.code)))) {
      metrics.count("races");
      return answer;
    }
    if (answer.code) {
      if (!this.closed) metrics.error(`refused:${answer.code}`, `${type}: ${answer.message}`);
      return answer;
    }
    this.acked.push({ opId, seq: answer.seq! });
    if (this.acked.length > ACKS_KEPT) this.acked.shift();
    if (game) {
      metrics.count("acks");
      // an action sent again after a rejoin waited out the restart: the time away is measured as such
      if (!resent) {
        metrics.record("actionAck", ackAt - sentAt);
        void this.measureAllMembers(answer.seq!, sentAt);
      }
    }
    return answer;
  }

  /** The time until every connected member's state shows the ack's seq (all members live in this process). */
  private async measureAllMembers(seq: number, sentAt: number) {
    const { metrics, settings } = this.ctx;
    const local = seatsByRoom.get(this.room.roomId) ?? new Set<Seat>();
    const localIds = new Set([...local].map((s) => s.me));
    let allLocal = true;
    this.room.state.players.forEach((p: any, id: string) => {
      if (p.connected && !localIds.has(id)) allLocal = false;
    });
    if (!allLocal) return metrics.count("stateUnmeasured");
    try {
      const times = await withTimeout(Promise.all([...local].map((s) => s.reached(seq))), settings.timeoutMs, `seq ${seq} on every member`);
      metrics.record("stateAllMembers", Math.max(...times) - sentAt);
    } catch (e) {
      if (e instanceof AwayError) metrics.count("stateUnmeasured");
      else if (!this.closed) metrics.error("state:timeout", (e as Error).message);
    }
  }

  // --- playing ----------------------------------------------------------------------------------

  /** Looks at the state and, when it is this bot's move, thinks and makes it. */
  private decide() {
    if (this.acting || this.leaving || this.closed || this.awaySince !== null) return;
    const state = this.room.state;
    if (!state) return;
    if (state.phase === "finished") return this.finished();
    if (state.phase === "lobby") return this.lobby(state);
    if (state.phase === "playing" && state.currentTurn === this.me) {
      const move = this.choose(state);
      if (move) void this.play(move, state.seq);
    }
  }

  private choose(state: any): string | null {
    const player = state.players.get(this.me);
    if (!player) return null;
    if (state.stage === "roll") return player.inJail && player.money >= 300 && Math.random() < 0.5 ? "pay_bail" : "roll";
    if (state.stage === "decide") {
      const price = this.ctx.price(player.position);
      return price !== null && player.money >= price ? "buy" : "pass";
    }
    if (state.stage === "end") return "end_turn";
    return null;
  }

  private async play(move: string, seenSeq: number) {
    this.acting = true;
    try {
      await this.ctx.think();
      const state = this.room.state;
      // the turn timer may have played this move meanwhile, or the seat lost its connection: decide again from the new state
      if (this.closed || this.leaving || this.awaySince !== null || state.seq !== seenSeq) return;
      await this.ask(move);
    } finally {
      this.acting = false;
    }
    this.decide();
  }

  private lobby(state: any) {
    if (!this.readySent) {
      this.readySent = true;
      this.acting = true;
      void this.ctx
        .think(0.5)
        .then(() => (this.closed || this.leaving ? null : this.ask("ready")))
        .finally(() => {
          this.acting = false;
          this.decide();
        });
      return;
    }
    if (state.hostId !== this.me) return;
    let seated = 0;
    let ready = 0;
    state.players.forEach((p: any) => {
      seated++;
      if (p.ready) ready++;
    });
    if (seated < 2 || ready < seated) return;
    const waited = performance.now() - this.lobbySince;
    if (seated >= this.expected || (this.quickPlay && waited >= this.ctx.settings.lobbyWaitMs)) {
      this.acting = true;
      // in quick play someone may have just joined and not be ready yet
      void this.ask("start", this.quickPlay ? ["NOT_READY"] : [])
        .then((a) => a && !a.code && this.ctx.metrics.count("gamesStarted"))
        .finally(() => {
          this.acting = false;
          this.decide();
        });
    } else if (this.quickPlay && !this.lobbyTimer) {
      this.lobbyTimer = setTimeout(() => {
        this.lobbyTimer = null;
        this.decide();
      }, this.ctx.settings.lobbyWaitMs - waited + 5);
    }
  }

  // --- losing the connection and taking the seat back --------------------------------------------

  /** The room's connection closed for good (the SDK does not or no longer reconnects it). */
  private onClosed(code: number) {
    const { metrics, stopped } = this.ctx;
    if (this.leaving || stopped || this.closed) return this.end();
    if (code === CLOSE_REJOIN) metrics.count("toldToRejoin");
    // a drop the SDK tried to reconnect was counted when it dropped
    else if (this.awaySince === null) metrics.count("dropped");
    this.goAway();
    void this.takeSeatBack(code);
  }

  /** Out of the seat: nothing is sent, answers are awaited again once back, and this member's state is not measured. */
  private goAway() {
    if (this.awaySince !== null) return;
    this.awaySince = performance.now();
    awaySeatCount++;
    this.token = this.seatToken;
    this.left = { seq: this.seqSeen[this.seqSeen.length - 1]?.[0] ?? 0, snapshot: this.room.state ? snapshotOf(this.room.state) : null };
    this.ctx.metrics.count("acksHeld", this.acked.length);
    this.leavePresence();
    for (const ask of this.asks.values()) {
      if (ask.timer) clearTimeout(ask.timer);
      ask.timer = null;
    }
    for (const w of this.seqWaiters) w.reject(new AwayError());
    this.seqWaiters.clear();
  }

  /**
   * POST /rooms/:code/rejoin with the seat token until the seat is back: a transient answer (404
   * while the room is restored, 409, 503, no server listening) is retried with backoff, a final one
   * (400, 403, 410) or retryForMs without success ends the seat with an error.
   */
  private async takeSeatBack(closeCode: number) {
    const { metrics, settings } = this.ctx;
    const token = this.token;
    if (!token || !this.code) {
      metrics.error("rejoin:no-token", `${this.name}: closed with ${closeCode} before the server sent a seat token`);
      return this.end();
    }
    const endpoints = settings.endpoints;
    const clients = this.ctx.clientsOf(this.name);
    let endpoint = Math.max(0, clients.indexOf(this.client));
    const deadline = this.awaySince! + settings.retryForMs;
    let last = "";
    for (let attempt = 0; !this.leaving && !this.ctx.stopped && !this.closed; attempt++) {
      const url = `${httpBase(endpoints[endpoint])}/rooms/${this.code}/rejoin`;
      let status = 0;
      let body: any = null;
      let retryAfterMs = 0;
      try {
        const res = await fetch(url, {
          method: "POST",
          // with --auth the seat is taken back by the identity that took it
          headers: { "content-type": "application/json", ...(this.client.auth.token ? { authorization: `Bearer ${this.client.auth.token}` } : {}) },
          body: JSON.stringify({ seatToken: token }),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
        status = res.status;
        retryAfterMs = 1000 * Number(res.headers.get("retry-after") ?? 0) || 0;
        body = await res.json().catch(() => null);
      } catch (e) {
        last = `POST ${url}: ${(e as Error).message}`;
      }
      if (status === 200 && body?.reservation) {
        const consuming = clients[endpoint].consumeSeatReservation(body.reservation);
        try {
          const room = await withTimeout(consuming, settings.timeoutMs, "consumeSeatReservation");
          if (this.leaving || this.ctx.stopped || this.closed) {
            // not consented: a consented leave would forfeit the seat
            await room.leave(false).catch(() => {});
            return;
          }
          return this.cameBack(room, "rejoined");
        } catch (e) {
          last = `consumeSeatReservation after POST ${url}: ${(e as Error).message}`;
          // a connection that comes up after all is dropped (not left: that would forfeit the seat); the next attempt takes the seat
          void consuming.then((late) => late.leave(false)).catch(() => {});
        }
      } else if (status !== 0) {
        last = `POST ${url}: ${status} ${JSON.stringify(body)}`;
        if (REJOIN_FINAL.has(status)) {
          metrics.error(`rejoin:${status}`, `${this.name}: ${last}`);
          return this.end();
        }
      }
      metrics.count("rejoinRetries");
      if (performance.now() > deadline) {
        metrics.error("rejoin:timeout", `${this.name}: not back in room ${this.code} within ${settings.retryForMs} ms; last answer: ${last}`);
        return this.end();
      }
      // nobody listening there: another live process may restore the room
      if (status === 0) endpoint = (endpoint + 1) % endpoints.length;
      // nobody listening: ask again soon (it costs the server nothing); a server that answers is busy restoring: gentler, as it asks
      await this.ctx.pause(status === 0 ? backoff(attempt, 500) : Math.max(retryAfterMs, backoff(attempt, 2000)));
    }
    this.end();
  }

  /** Back in the seat, on the same connection (the SDK reconnected) or a new one (rejoined by token). */
  private cameBack(room: Room<any>, how: "reconnected" | "rejoined") {
    const { metrics } = this.ctx;
    if (this.awaySince === null) return;
    if (room !== this.room) {
      seatOfRoom.delete(this.room);
      this.room = room;
      this.attach(room);
    }
    metrics.record("rejoin", performance.now() - this.awaySince);
    metrics.count(how);
    metrics.mark("lastBackAt", Date.now());
    this.awaySince = null;
    awaySeatCount--;
    this.epoch++;
    this.enterPresence();
    void this.resume(how);
  }

  /** After coming back: the state must be where it was (or later), then what was unanswered goes again, then the checks, then play. */
  private async resume(how: "reconnected" | "rejoined") {
    const { metrics, settings } = this.ctx;
    const left = this.left;
    this.left = null;
    const room = this.room;
    const deadline = performance.now() + settings.timeoutMs;
    while (!room.state?.code && performance.now() < deadline && room === this.room) await sleep(5);
    if (room !== this.room || this.closed) return;
    if (!room.state?.code) metrics.error("rejoin:no-state", `${this.name}: no state within ${settings.timeoutMs} ms of taking the seat back`);
    else if (left) this.compareState(left, room.state);
    for (const ask of [...this.asks.values()]) if (ask.epoch < this.epoch) this.transmit(ask);
    if (how === "rejoined" && settings.verifyAcks > 0 && this.acked.length > 0) this.verifying = this.verifyAcks();
    this.decide();
  }

  /**
   * Every ack this seat received had its seq in the state before the connection went, so a state
   * behind that seq lost acknowledged actions; at the same seq the whole state must be the same.
   */
  private compareState(left: { seq: number; snapshot: string | null }, state: any) {
    const { metrics } = this.ctx;
    if (state.seq < left.seq) {
      metrics.error("state:regressed", `${this.name} in ${this.code}: seq ${left.seq} before the connection went, ${state.seq} after`);
    } else if (state.seq === left.seq && left.snapshot !== null) {
      const now = snapshotOf(state);
      if (now === left.snapshot) metrics.count("statesMatched");
      else metrics.error("state:differs", `${this.name} in ${this.code} at seq ${state.seq}: before ${left.snapshot.slice(0, 200)} after ${now?.slice(0, 200)}`);
    }
  }

  /**
   * Sends a sample of this seat's acknowledged opIds again (the latest one and random others). Each
   * must be answered with its original ack: same opId, same seq. The message type is one the room
   * refuses unless it recognises the opId (`ready` once the game has started, `end_turn` in the
   * lobby, where nobody can be at the end of a turn), so an opId the room forgot is refused, never
   * applied anew, and the check cannot pass by accident.
   */
  private async verifyAcks() {
    const { metrics, settings } = this.ctx;
    const pool = this.acked.slice(0, -1);
    const sample = [this.acked[this.acked.length - 1]];
    while (sample.length < settings.verifyAcks && pool.length > 0) sample.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0]);
    await this.ctx.pause(Math.random() * 1000);
    for (const original of sample) {
      if (this.closed || this.leaving || this.ctx.stopped) return;
      const opId = original.opId!;
      const lobby = this.room.state.phase === "lobby";
      const result = await this.request(opId, lobby ? "end_turn" : "ready", lobby ? { opId } : { ready: true, opId }, "verify");
      if (result) {
        const { answer } = result;
        if (answer.code) metrics.error("ack:lost", `${this.name} in ${this.code}: ${opId} was acknowledged at seq ${original.seq}; after the rejoin: ${answer.code} ${answer.message}`);
        else if (answer.seq !== original.seq) metrics.error("ack:changed", `${this.name} in ${this.code}: ${opId} was acknowledged at seq ${original.seq}, after the rejoin at ${answer.seq}`);
        else metrics.count("acksVerified");
      }
      await this.ctx.pause(VERIFY_SPACING_MS);
    }
  }

  // --- the end ----------------------------------------------------------------------------------

  /** Plays until the game is over (or the seat is gone, or the bots stop), within a bound. */
  async playOut(limitMs: number) {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs)));
    await Promise.race([this.done, limit, this.ctx.stopping]);
    clearTimeout(timer);
    if (!this.closed && !this.ctx.stopped && this.room.state?.phase !== "finished") {
      this.ctx.metrics.error("game:timeout", `${this.name}: the game did not finish within ${limitMs} ms`);
    }
  }

  async leave() {
    if (this.closed) return;
    this.leaving = true;
    if (this.awaySince !== null) {
      this.ctx.metrics.count("leftWhileAway");
      return this.end();
    }
    if (this.verifying) await withTimeout(this.verifying, this.ctx.settings.timeoutMs, "the ack checks").catch(() => {});
    try {
      await withTimeout(this.room.leave(true), this.ctx.settings.timeoutMs, "leave");
    } catch {
      this.room.connection?.close();
    }
    this.end();
  }
}

function joinFailure(ctx: BotContext, kind: string, e: unknown) {
  const code = (e as { code?: number }).code;
  const message = (e as Error).message ?? String(e);
  ctx.metrics.error(`${kind}:${code ?? "exception"}`, message);
}

/** The longest a game may take: every turn played by the server's timer, with margin. */
function gameLimitMs(settings: BotSettings) {
  return 2 * settings.rounds * settings.groupSize * (settings.turnSeconds * 1000 * 2) + 30_000;
}

/** A group of friends: the first creates a private room, the others type its code; play; leave; again. */
export async function privateGroup(ctx: BotContext, names: string[], firstEndpoint: number) {
  const { metrics, settings } = ctx;
  const own = await Promise.all(names.map((name) => ctx.clientsFor(name)));
  const clientFor = (i: number) => own[i][(firstEndpoint + i) % own[i].length];
  while (!ctx.stopped) {
    const seats: Seat[] = [];
    try {
      const startedAt = performance.now();
      const hostRoom = await withTimeout(clientFor(0).create("game", ctx.createOptions(names[0], true)), settings.timeoutMs, "create");
      metrics.record("create", performance.now() - startedAt);
      metrics.count("joins");
      const host = new Seat(ctx, hostRoom, names[0], names.length, false, clientFor(0));
      seats.push(host);
      const code = await codeOf(hostRoom, settings.timeoutMs);

      await Promise.all(
        names.slice(1).map(async (name, i) => {
          await ctx.think(0.5);
          if (ctx.stopped) return;
          const http = httpBase(settings.endpoints[(firstEndpoint + i + 1) % settings.endpoints.length]);
          const t0 = performance.now();
          let roomId: string;
          try {
            const res = await fetch(`${http}/rooms/${code}`, { signal: AbortSignal.timeout(settings.timeoutMs) });
            const body = (await res.json()) as { roomId?: string };
            if (!res.ok || !body.roomId) throw Object.assign(new Error(`GET /rooms/${code}: ${res.status} ${JSON.stringify(body)}`), { code: res.status });
            roomId = body.roomId;
          } catch (e) {
            return joinFailure(ctx, "lookup", e);
          }
          metrics.record("codeLookup", performance.now() - t0);
          try {
            const room = await withTimeout(clientFor(i + 1).joinById(roomId, { name }), settings.timeoutMs, "joinById");
            metrics.record("joinByCode", performance.now() - t0);
            metrics.count("joins");
            seats.push(new Seat(ctx, room, name, names.length, false, clientFor(i + 1)));
          } catch (e) {
            joinFailure(ctx, "joinById", e);
          }
        }),
      );
      if (seats.length < names.length && !ctx.stopped) {
        // someone could not join: the host would wait forever; leave and form the group again
        await ctx.pause(1000);
        continue;
      }
      const games = seats.map((s) => s.playOut(gameLimitMs(settings)));
      await Promise.all(games);
      if (host.room.state?.phase === "finished") metrics.count("gamesFinished");
    } catch (e) {
      if (!ctx.stopped) joinFailure(ctx, "create", e);
      await ctx.pause(1000);
    } finally {
      await Promise.all(seats.map((s) => s.leave()));
    }
    await ctx.think();
  }
}

/** A stranger: quick play into any public room (joinOrCreate), play, leave, again. */
export async function quickPlayer(ctx: BotContext, name: string, endpoint: number) {
  const { metrics, settings } = ctx;
  const clients = await ctx.clientsFor(name);
  const client = clients[endpoint % clients.length];
  while (!ctx.stopped) {
    let seat: Seat | null = null;
    try {
      const t0 = performance.now();
      const room = await withTimeout(client.joinOrCreate("game", ctx.createOptions(name, false)), settings.timeoutMs, "joinOrCreate");
      metrics.record("quickPlay", performance.now() - t0);
      metrics.count("joins");
      seat = new Seat(ctx, room, name, settings.groupSize, true, client);
      await seat.playOut(gameLimitMs(settings));
      // after a rejoin the seat's room is a new connection
      const state = seat.room.state;
      if (state?.phase === "finished" && state.hostId === seat.me) metrics.count("gamesFinished");
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code !== undefined && JOIN_RACES.has(code)) metrics.count("races");
      else if (!ctx.stopped) joinFailure(ctx, "quickPlay", e);
      await ctx.pause(200 + Math.random() * 300);
    } finally {
      await seat?.leave();
    }
    await ctx.think();
  }
}

async function codeOf(room: Room<any>, timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  while (!room.state?.code) {
    if (performance.now() > deadline) throw new Error("no join code in the state");
    await sleep(5);
  }
  return room.state.code as string;
}
