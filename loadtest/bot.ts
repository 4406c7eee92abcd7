/**
 * Bots that play like people, through the public contract only (docs/protocol.md): a private group
 * of up to five where one creates and the others type its code (GET /rooms/:code, then joinById),
 * or quick-play bots that joinOrCreate public rooms. They ready up, the host starts, each plays its
 * own turns after a think time (roll / pay_bail / buy / pass / end_turn, with opIds, waiting for
 * the ack), and when the game is over they leave and start again.
 *
 * Each bot measures with its own clock: join times, action -> ack, and action -> the state change
 * (state.seq reaching the ack's seq) on every member of the room, which works because a room's
 * members live in this process (see `seatsByRoom`).
 */
import { Client, type Room } from "@colyseus/sdk";
import type { AckMessage, ChatMessage, ErrorMessage, EventMessage, HistoryMessage } from "../src/messages/contract.ts";
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
};

const GAME_ACTIONS = new Set(["roll", "buy", "pass", "end_turn", "pay_bail"]);
const JOIN_RACES = new Set([404, 409, 410, 423, 522, 524]);
const SEQ_HISTORY = 64;

/** Room members of this process, by roomId: their states tell when an action reached all of them. */
const seatsByRoom = new Map<string, Set<Seat>>();
let liveSeatCount = 0;

/** Bots of this process connected to a room right now, and the rooms they are in. */
export function presence() {
  return { players: liveSeatCount, rooms: seatsByRoom.size };
}

type Answer = { opId?: string | null; seq?: number; code?: string; message?: string };

/** Every message the server sends a client (docs/protocol.md, "Messages: server to client"), by type. */
interface ServerMessages {
  ack: AckMessage;
  error: ErrorMessage;
  event: EventMessage;
  chat: ChatMessage;
  history: HistoryMessage;
}

/** The seat a bot holds in each room, once it has one: where the room's answers go. */
const seatOfRoom = new WeakMap<Room<any>, Seat>();

/**
 * What a bot does with each server message. Answers settle the ask they answer; the room's log (events,
 * chat lines, and the history replayed on join) is read by nobody, because a bot plays from the state.
 */
function handleServerMessages(room: Room<any>) {
  const handlers: { [T in keyof ServerMessages]: (message: ServerMessages[T]) => void } = {
    ack: (m) => seatOfRoom.get(room)?.answer(m),
    error: (m) => seatOfRoom.get(room)?.answer(m),
    event: () => {},
    chat: () => {},
    history: () => {},
  };
  const register = <T extends keyof ServerMessages>(type: T) => room.onMessage(type, handlers[type]);
  for (const type of Object.keys(handlers) as Array<keyof ServerMessages>) register(type);
}

/**
 * The bots' SDK client. Each room it makes handles every server message before it connects: the
 * `history` sent on join can come in the same packet as the join, before the code awaiting the join runs.
 */
class BotClient extends Client {
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

export function httpBase(endpoint: string): string {
  return endpoint.replace(/^ws(s?):\/\//, "http$1://").replace(/\/$/, "");
}

/** Shared by every bot of a process: one SDK client per endpoint, the board's prices, the metrics. */
export class BotContext {
  readonly clients: BotClient[];
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

/** One bot seated in one room: answers, seq arrivals, and the moves it makes by the stage. */
export class Seat {
  readonly me: string;
  private readonly answers = new Map<string, (a: Answer) => void>();
  /** [seq, performance.now()] when this client's state first showed that seq, oldest first. */
  private readonly seqSeen: Array<[number, number]> = [];
  private readonly seqWaiters = new Set<{ seq: number; resolve: (t: number) => void }>();
  private nextOp = 0;
  private acting = false;
  private readySent = false;
  private lobbySince = performance.now();
  private lobbyTimer: NodeJS.Timeout | null = null;
  private leaving = false;
  private closed = false;
  private detached = false;
  private finished!: () => void;
  /** Resolves when the game is over, the connection is gone, or the bots are stopped. */
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    readonly ctx: BotContext,
    readonly room: Room<any>,
    readonly name: string,
    /** Players the host waits for before starting (a quick-play host also starts after lobbyWaitMs). */
    private readonly expected: number,
    private readonly quickPlay: boolean,
  ) {
    this.me = room.sessionId;
    room.reconnection.enabled = false;
    let members = seatsByRoom.get(room.roomId);
    if (!members) seatsByRoom.set(room.roomId, (members = new Set()));
    members.add(this);
    liveSeatCount++;

    seatOfRoom.set(room, this);
    room.onStateChange((state: any) => this.onState(state));
    room.onLeave((code: number) => {
      this.closed = true;
      if (!this.leaving && !ctx.stopped) ctx.metrics.count("dropped");
      this.detach();
    });
    if (room.state) this.onState(room.state);
  }

  private detach() {
    if (this.detached) return;
    this.detached = true;
    liveSeatCount--;
    seatsByRoom.get(this.room.roomId)?.delete(this);
    if (seatsByRoom.get(this.room.roomId)?.size === 0) seatsByRoom.delete(this.room.roomId);
    if (this.lobbyTimer) clearTimeout(this.lobbyTimer);
    this.finished();
  }

  /** An ack or error from the room: settles the ask with that opId. */
  answer(m: Answer) {
    if (m.opId === null || m.opId === undefined) return;
    this.answers.get(m.opId)?.(m);
  }

  private onState(state: any) {
    const seq: number = state.seq;
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

  /** When this client's state first reached `seq` (now or later). */
  reached(seq: number): Promise<number> {
    if (this.room.state && this.room.state.seq >= seq) {
      const first = this.seqSeen.find(([s]) => s >= seq);
      return Promise.resolve(first ? first[1] : performance.now());
    }
    return new Promise((resolve) => this.seqWaiters.add({ seq, resolve }));
  }

  /** Sends a message with an opId and waits for its ack or error. */
  private async ask(type: string, tolerated: string[] = []): Promise<Answer | null> {
    const opId = `${this.name}-${++this.nextOp}`;
    const { metrics, settings } = this.ctx;
    const game = GAME_ACTIONS.has(type);
    const answered = new Promise<Answer>((resolve) => this.answers.set(opId, resolve));
    const sentAt = performance.now();
    this.room.send(type, type === "ready" ? { ready: true, opId } : { opId });
    if (game) metrics.count("actions");
    let answer: Answer;
    try {
      answer = await withTimeout(answered, settings.timeoutMs, `the answer to ${type}`);
    } catch (e) {
      if (!this.closed) metrics.error(`${type}:timeout`, (e as Error).message);
      return null;
    } finally {
      this.answers.delete(opId);
    }
    const ackAt = performance.now();
    if (answer.code && tolerated.includes(answer.code)) {
      metrics.count("races");
      return answer;
    }
    if (answer.code) {
      if (!this.closed) metrics.error(`refused:${answer.code}`, `${type}: ${answer.message}`);
      return answer;
    }
    if (game) {
      metrics.count("acks");
      metrics.record("actionAck", ackAt - sentAt);
      void this.measureAllMembers(answer.seq!, sentAt);
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
      if (!this.closed) metrics.error("state:timeout", (e as Error).message);
    }
  }

  /** Looks at the state and, when it is this bot's move, thinks and makes it. */
  private decide() {
    if (this.acting || this.leaving || this.closed) return;
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
      // the turn timer may have played this move meanwhile: decide again from the new state
      if (this.closed || this.leaving || state.seq !== seenSeq) return;
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

  /** Plays until the game is over (or the connection goes, or the bots stop), within a bound. */
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
    try {
      await withTimeout(this.room.leave(true), this.ctx.settings.timeoutMs, "leave");
    } catch {
      this.room.connection?.close();
    }
    this.closed = true;
    this.detach();
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
  const clientFor = (i: number) => ctx.clients[(firstEndpoint + i) % ctx.clients.length];
  while (!ctx.stopped) {
    const seats: Seat[] = [];
    try {
      const startedAt = performance.now();
      const hostRoom = await withTimeout(clientFor(0).create("game", ctx.createOptions(names[0], true)), settings.timeoutMs, "create");
      metrics.record("create", performance.now() - startedAt);
      metrics.count("joins");
      const host = new Seat(ctx, hostRoom, names[0], names.length, false);
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
            seats.push(new Seat(ctx, room, name, names.length, false));
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
  const client = ctx.clients[endpoint % ctx.clients.length];
  while (!ctx.stopped) {
    let seat: Seat | null = null;
    try {
      const t0 = performance.now();
      const room = await withTimeout(client.joinOrCreate("game", ctx.createOptions(name, false)), settings.timeoutMs, "joinOrCreate");
      metrics.record("quickPlay", performance.now() - t0);
      metrics.count("joins");
      seat = new Seat(ctx, room, name, settings.groupSize, true);
      await seat.playOut(gameLimitMs(settings));
      if (room.state?.phase === "finished" && room.state.hostId === seat.me) metrics.count("gamesFinished");
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
