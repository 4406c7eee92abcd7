/**
 * The light driver's clients (bench --compare), one adapter per protocol: ours through
 * @colyseus/sdk and the public contract (create a private room, GET /rooms/:code + joinById,
 * ready, start, then the game's moves with opIds), the peers' (bench/peers/) through
 * socket.io-client and `ws`. Each member knows when its own state first showed a seq, so the driver
 * can time an action to the state on every member of the room. Ours can also watch: a spectator
 * (`joinById` with `spectate: true`) is a member that decodes the state like the others and never acts.
 */
import { Client, type Room } from "@colyseus/sdk";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { SERVER_MESSAGE_TYPES } from "../loadtest/bot.ts";

export type ProtocolName = "ours" | "socketio" | "ws";
export type Phase = "lobby" | "playing" | "finished";
/** An ack (the seq the action made) or a refusal. */
export type Answer = { seq: number; error?: undefined } | { seq?: undefined; error: string };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One player in one room. */
export abstract class Member {
  seq = -1;
  /** [seq, performance.now()] when this member's state first showed each recent seq */
  private readonly seen: Array<[number, number]> = [];
  private readonly waiters = new Set<{ seq: number; resolve: (at: number) => void }>();
  private changed: Array<() => void> = [];

  constructor(readonly timeoutMs: number) {}

  protected saw(seq: number) {
    if (seq === this.seq) return;
    const now = performance.now();
    this.seq = seq;
    this.seen.push([seq, now]);
    if (this.seen.length > 32) this.seen.shift();
    for (const w of this.waiters) {
      if (seq >= w.seq) {
        this.waiters.delete(w);
        w.resolve(now);
      }
    }
    for (const wake of this.changed.splice(0)) wake();
  }

  /** When this member's state first reached `seq` (now or later). */
  reached(seq: number): Promise<number> {
    if (this.seq >= seq) return Promise.resolve(this.seen.find(([s]) => s >= seq)?.[1] ?? performance.now());
    return new Promise((resolve) => this.waiters.add({ seq, resolve }));
  }

  /** Resolves at the next state change (or after `ms`). */
  change(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.changed.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  abstract phase(): Phase;
  /** This member's move now, or null when it is not its turn. */
  abstract nextMove(): string | null;
  abstract act(move: string, opId: string): Promise<Answer>;
  abstract leave(): Promise<void>;
}

export interface Protocol {
  /** A room of `seats` players (the peers' rooms always have five). */
  create(name: string, maxRounds: number, seats: number): Promise<{ member: Member; code: string }>;
  join(code: string, name: string): Promise<Member>;
  /** A spectator of the room (ours only): the same state and patches as a player, no seat, no move. */
  watch?(code: string, name: string): Promise<Member>;
  /** What the protocol needs once every member is in, before the first move (ours: ready, start). */
  begin(members: Member[]): Promise<void>;
}

// --- ours: @colyseus/sdk and the public contract ------------------------------------------------

type Waiting = Map<string, (answer: { seq?: number; code?: string }) => void>;
const answersOf = new WeakMap<Room<any>, Waiting>();

/** An SDK client whose rooms route acks and errors by opId and ignore the room's log, from before they connect. */
class DriverClient extends Client {
  protected override createRoom(roomName: string, rootSchema?: any): Room<any, any> {
    const room = super.createRoom(roomName, rootSchema);
    const waiting: Waiting = new Map();
    answersOf.set(room, waiting);
    const settle = (m: { opId?: string | null; seq?: number; code?: string }) => {
      const done = m?.opId ? waiting.get(m.opId) : undefined;
      if (!done) return;
      waiting.delete(m.opId!);
      done(m);
    };
    for (const type of SERVER_MESSAGE_TYPES) room.onMessage(type, type === "ack" || type === "error" ? settle : () => {});
    return room;
  }
}

class OursMember extends Member {
  constructor(
    readonly room: Room<any>,
    private readonly prices: Array<number | null>,
    timeoutMs: number,
  ) {
    super(timeoutMs);
    room.onStateChange((state: any) => this.saw(state.seq));
    if (room.state) this.saw(room.state.seq);
  }

  phase(): Phase {
    return (this.room.state?.phase as Phase) ?? "lobby";
  }

  nextMove(): string | null {
    const s = this.room.state;
    if (s?.phase !== "playing" || s.currentTurn !== this.room.sessionId) return null;
    const me = s.players.get(this.room.sessionId);
    if (!me) return null;
    if (s.stage === "roll") return "roll";
    if (s.stage === "decide") return (this.prices[me.position] ?? Infinity) <= me.money ? "buy" : "pass";
    if (s.stage === "end") return "end_turn";
    return null;
  }

  send(type: string, payload: Record<string, unknown>, opId: string): Promise<Answer> {
    const answered = new Promise<Answer>((resolve) =>
      answersOf.get(this.room)!.set(opId, (m) => resolve(m.code ? { error: m.code } : { seq: m.seq! })),
    );
    this.room.send(type, payload);
    return withTimeout(answered, this.timeoutMs, `${type} ${opId}`).finally(() => answersOf.get(this.room)!.delete(opId));
  }

  act(move: string, opId: string) {
    return this.send(move, { opId }, opId);
  }

  async leave() {
    await withTimeout(this.room.leave(true), this.timeoutMs, "leave").catch(() => this.room.connection?.close());
  }
}

export async function oursProtocol(endpoint: string, timeoutMs: number): Promise<Protocol> {
  const http = endpoint.replace(/^ws/, "http");
  const client = new DriverClient(endpoint);
  const board = (await (await fetch(`${http}/board`, { signal: AbortSignal.timeout(timeoutMs) })).json()) as { tiles: Array<{ price?: number | null }> };
  const prices = board.tiles.map((t) => t.price ?? null);
  let op = 0;
  const enter = async (code: string, options: { name: string; spectate?: true }) => {
    const res = await fetch(`${http}/rooms/${code}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { roomId?: string };
    if (!res.ok || !body.roomId) throw new Error(`GET /rooms/${code}: ${res.status} ${JSON.stringify(body)}`);
    return new OursMember(await client.joinById(body.roomId, options), prices, timeoutMs);
  };
  return {
    async create(name, maxRounds, seats) {
      const room = await client.create("game", { name, private: true, maxPlayers: seats, maxRounds, turnSeconds: 60 });
      const member = new OursMember(room, prices, timeoutMs);
      const deadline = performance.now() + timeoutMs;
      while (!room.state?.code && performance.now() < deadline) await sleep(5);
      if (!room.state?.code) throw new Error("no join code in the state");
      return { member, code: room.state.code };
    },
    join: (code, name) => enter(code, { name }),
    watch: (code, name) => enter(code, { name, spectate: true }),
    async begin(members) {
      const ours = members as OursMember[];
      const answers = await Promise.all(ours.map((m) => m.send("ready", { ready: true, opId: `r${++op}` }, `r${op}`)));
      const started = answers.some((a) => a.error) ? answers.find((a) => a.error)! : await ours[0].send("start", { opId: `s${++op}` }, `s${op}`);
      if (started.error) throw new Error(`ready/start refused: ${started.error}`);
    },
  };
}

// --- the peers: the same small protocol over Socket.IO and raw ws --------------------------------

interface PeerState {
  seq: number;
  phase: Phase;
  turn: number;
  stage: "roll" | "decide" | "end";
  offer: number | null;
  players: Array<{ id: string; money: number }>;
}

abstract class PeerMember extends Member {
  id = "";
  state: PeerState | null = null;

  protected onState(state: PeerState) {
    this.state = state;
    this.saw(state.seq);
  }

  phase(): Phase {
    return this.state?.phase ?? "lobby";
  }

  nextMove(): string | null {
    const s = this.state;
    const me = s?.players[s.turn];
    if (s?.phase !== "playing" || me?.id !== this.id) return null;
    if (s.stage === "roll") return "roll";
    if (s.stage === "decide") return s.offer !== null && s.offer <= me.money ? "buy" : "pass";
    return "end_turn";
  }

  abstract request(type: string, body: Record<string, unknown>): Promise<{ id?: string; code?: string; seq?: number; error?: string }>;

  async enter(type: "create" | "join", body: Record<string, unknown>): Promise<string> {
    const answer = await this.request(type, body);
    if (answer.error || !answer.id || !answer.code) throw new Error(`${type}: ${answer.error ?? JSON.stringify(answer)}`);
    this.id = answer.id;
    return answer.code;
  }

  async act(move: string, opId: string): Promise<Answer> {
    const answer = await this.request("action", { move, opId });
    return answer.error ? { error: answer.error } : { seq: answer.seq! };
  }
}

class SocketIoMember extends PeerMember {
  private readonly socket: Socket;

  constructor(endpoint: string, timeoutMs: number) {
    super(timeoutMs);
    // one connection per player (socket.io-client would otherwise multiplex every player over one), WebSocket from the start
    this.socket = io(endpoint, { transports: ["websocket"], forceNew: true, reconnection: false });
    this.socket.on("state", (s: PeerState) => this.onState(s));
  }

  request(type: string, body: Record<string, unknown>) {
    return this.socket.timeout(this.timeoutMs).emitWithAck(type, body);
  }

  async leave() {
    this.socket.disconnect();
  }
}

class WsMember extends PeerMember {
  private readonly ws: WebSocket;
  private readonly open: Promise<void>;
  private readonly replies = new Map<number, (m: any) => void>();
  private rid = 0;

  constructor(endpoint: string, timeoutMs: number) {
    super(timeoutMs);
    this.ws = new WebSocket(endpoint);
    this.open = withTimeout(new Promise((resolve, reject) => this.ws.once("open", resolve).once("error", reject)), timeoutMs, "ws open");
    this.ws.on("error", () => {});
    this.ws.on("message", (data) => {
      const m = JSON.parse(String(data));
      if (m.type === "state") this.onState(m.state);
      else if (m.type === "reply") {
        this.replies.get(m.rid)?.(m);
        this.replies.delete(m.rid);
      }
    });
  }

  async request(type: string, body: Record<string, unknown>) {
    await this.open;
    const rid = ++this.rid;
    const answered = new Promise<any>((resolve) => this.replies.set(rid, resolve));
    this.ws.send(JSON.stringify({ type, rid, ...body }));
    return withTimeout(answered, this.timeoutMs, `${type} ${rid}`).finally(() => this.replies.delete(rid));
  }

  async leave() {
    this.ws.close();
  }
}

export function peerProtocol(kind: "socketio" | "ws", endpoint: string, timeoutMs: number): Protocol {
  const make = () => (kind === "socketio" ? new SocketIoMember(endpoint, timeoutMs) : new WsMember(endpoint, timeoutMs));
  const enter = async (member: PeerMember, type: "create" | "join", body: Record<string, unknown>) => {
    try {
      return await member.enter(type, body);
    } catch (e) {
      await member.leave();
      throw e;
    }
  };
  return {
    async create(name, maxRounds) {
      const member = make();
      return { member, code: await enter(member, "create", { name, maxRounds }) };
    },
    async join(code, name) {
      const member = make();
      await enter(member, "join", { code, name });
      return member;
    },
    async begin() {},
  };
}
