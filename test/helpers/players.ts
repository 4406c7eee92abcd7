/** SDK clients that act like players: collect what the server sends, and play by the rules' stage. */
import { ColyseusSDK, type Room } from "@colyseus/sdk";
import { BOARD } from "../../src/game/index.ts";
import { getJson, until } from "./wait.ts";

export interface Observed {
  room: Room<any>;
  acks: Array<{ opId: string | null; seq: number }>;
  errors: Array<{ opId?: string; code: string; message: string }>;
  events: Array<{ seq: number; type: string; [k: string]: unknown }>;
  chats: Array<{ from: string; name: string; text: string; at: number }>;
  histories: Array<{ events: Array<{ seq: number; type: string }>; chats: Array<{ text: string }> }>;
  seqs: number[];
  /** Seat tokens received (`seat` messages), latest last. */
  seats: string[];
}

/** What each room made by a PlayerSDK has received so far. */
const received = new WeakMap<Room<any>, Observed>();

/**
 * The specs' SDK client: every room it makes collects what the server sends from the first message on.
 * The `history` sent on join can come in the same packet as the join, before the code awaiting the
 * join could register a handler; `observe(room)` hands out what was collected.
 */
export class PlayerSDK extends ColyseusSDK {
  protected override createRoom(roomName: string, rootSchema?: any): Room<any, any> {
    const room = super.createRoom(roomName, rootSchema);
    received.set(room, collect(room));
    return room;
  }
}

/** What the server sent this room: since it was made, for a room of a PlayerSDK; from now on otherwise. */
export function observe(room: Room<any>): Observed {
  return received.get(room) ?? collect(room);
}

function collect(room: Room<any>): Observed {
  const o: Observed = { room, acks: [], errors: [], events: [], chats: [], histories: [], seqs: [], seats: [] };
  room.onMessage("history", (m: any) => o.histories.push(m));
  room.onMessage("seat", (m: any) => o.seats.push(m.seatToken));
  room.onMessage("ack", (m: any) => o.acks.push(m));
  room.onMessage("error", (m: any) => o.errors.push(m));
  room.onMessage("event", (m: any) => o.events.push(m));
  room.onMessage("chat", (m: any) => o.chats.push(m));
  room.onStateChange((state: any) => {
    if (o.seqs[o.seqs.length - 1] !== state.seq) o.seqs.push(state.seq);
  });
  return o;
}

/** Sends a message and waits for the server's answer to it (an ack or an error with the same opId). */
let nextOp = 0;
export async function ask(o: Observed, type: string, payload: Record<string, unknown> = {}) {
  const opId = `op-${++nextOp}`;
  o.room.send(type, { ...payload, opId });
  return until(
    () => o.acks.find((a) => a.opId === opId) ?? o.errors.find((e) => e.opId === opId),
    `the answer to ${type} (${opId})`,
  );
}

/** What a sensible player does at the current stage: roll, buy when affordable, end the turn. */
export function choose(state: any, me: string): string | null {
  if (state.phase !== "playing" || state.currentTurn !== me) return null;
  const player = state.players.get(me);
  if (state.stage === "roll") return "roll";
  if (state.stage === "decide") return player.money >= (BOARD[player.position].price ?? Infinity) ? "buy" : "pass";
  if (state.stage === "end") return "end_turn";
  return null;
}

/** Every client plays its own turns until the game is finished. */
export async function playToTheEnd(players: Observed[], timeoutMs = 60_000) {
  const acting = new Set<string>();
  const tick = async (o: Observed) => {
    const me = o.room.sessionId;
    if (acting.has(me)) return;
    const action = choose(o.room.state, me);
    if (!action) return;
    acting.add(me);
    try {
      const answer = await ask(o, action);
      if ("code" in answer) throw new Error(`${action} refused: ${answer.code} ${answer.message}`);
    } finally {
      acting.delete(me);
    }
    // the patch for this action arrived before its ack: act on it now
    await tick(o);
  };
  const failures: Error[] = [];
  for (const o of players) o.room.onStateChange(() => void tick(o).catch((e) => failures.push(e)));
  for (const o of players) void tick(o).catch((e) => failures.push(e));
  await until(() => failures.length > 0 || players[0].room.state.phase === "finished", "the game to finish", timeoutMs);
  if (failures.length) throw failures[0];
}

/** Every player readies up, the first (the host) starts, and every client sees the game playing. */
export async function readyAndStart(players: Observed[]) {
  for (const p of players) await ask(p, "ready", { ready: true });
  const answer = await ask(players[0], "start");
  if ("code" in answer) throw new Error(`start refused: ${answer.code} ${answer.message}`);
  await until(() => players.every((p) => p.room.state.phase === "playing"), "the game to start everywhere");
}

/**
 * POST /rooms/:code/rejoin with a seat token, retried while the answer may change (404 while the
 * room is restored, 409, 503), then the reservation consumed: the player's room, observed.
 */
export async function rejoinSeat(server: { http: string; ws: string }, code: string, seatToken: string, timeoutMs = 15_000): Promise<Observed> {
  let last: { status: number; body: any } | null = null;
  const answer = await until(
    async () => {
      last = await getJson(`${server.http}/rooms/${code}/rejoin`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seatToken }),
      });
      return [200, 400, 403, 410].includes(last.status) ? last : null;
    },
    `a seat back in ${code}`,
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last answer ${last?.status} ${JSON.stringify(last?.body)}`);
  });
  if (answer.status !== 200) throw new Error(`rejoin refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  return observe(await new PlayerSDK(server.ws).consumeSeatReservation(answer.body.reservation));
}
