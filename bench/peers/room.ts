/**
 * The rooms of the hand-written peer servers (bench --compare): what a typical developer writes for
 * this game, seed-style. 6-digit join codes, up to 5 members, the turn's moves applied server-side
 * (roll, buy, pass, end_turn) and the whole state sent to every member after each one. No schema,
 * no match log, no opId memory, no timers: the floor our server is measured against.
 */
export interface PeerPlayer {
  id: string;
  name: string;
  position: number;
  money: number;
}

export interface PeerRoom {
  code: string;
  seq: number;
  phase: "playing" | "finished";
  turn: number;
  stage: "roll" | "decide" | "end";
  /** The price of the tile the mover stands on while it may buy it. */
  offer: number | null;
  round: number;
  maxRounds: number;
  players: PeerPlayer[];
  owners: Record<number, string>;
}

export const MAX_MEMBERS = 5;
const TILES = 40;
export const rooms = new Map<string, PeerRoom>();

const priceOf = (tile: number) => (tile % 5 === 0 ? null : 60 + tile * 8);

export function createRoom(maxRounds: unknown): PeerRoom {
  let code: string;
  do code = String(Math.floor(100000 + Math.random() * 900000));
  while (rooms.has(code));
  const rounds = Number.isInteger(maxRounds) ? Math.min(100, Math.max(1, maxRounds as number)) : 20;
  const room: PeerRoom = { code, seq: 0, phase: "playing", turn: 0, stage: "roll", offer: null, round: 1, maxRounds: rounds, players: [], owners: {} };
  rooms.set(code, room);
  return room;
}

export function joinRoom(code: unknown, id: string, name: unknown): PeerRoom | string {
  const room = typeof code === "string" ? rooms.get(code) : undefined;
  if (!room) return "NOT_FOUND";
  if (room.players.length >= MAX_MEMBERS) return "FULL";
  room.players.push({ id, name: String(name).slice(0, 20), position: 0, money: 1500 });
  room.seq++;
  return room;
}

export function leaveRoom(room: PeerRoom, id: string) {
  const i = room.players.findIndex((p) => p.id === id);
  if (i < 0) return;
  room.players.splice(i, 1);
  if (room.players.length === 0) return void rooms.delete(room.code);
  if (i < room.turn || room.turn >= room.players.length) room.turn = room.turn % room.players.length;
  room.seq++;
}

/** Applies one move of `id`; null when applied, else why not. */
export function act(room: PeerRoom, id: string, type: unknown): string | null {
  if (room.phase !== "playing") return "GAME_OVER";
  const me = room.players[room.turn];
  if (me?.id !== id) return "NOT_YOUR_TURN";
  if (type === "roll" && room.stage === "roll") {
    const dice = 2 + Math.floor(Math.random() * 6) + Math.floor(Math.random() * 6);
    if (me.position + dice >= TILES) me.money += 200;
    me.position = (me.position + dice) % TILES;
    const price = priceOf(me.position);
    const owner = room.owners[me.position];
    room.offer = price !== null && !owner ? price : null;
    if (price !== null && owner && owner !== id) {
      me.money -= price / 10;
      const landlord = room.players.find((p) => p.id === owner);
      if (landlord) landlord.money += price / 10;
    }
    room.stage = room.offer === null ? "end" : "decide";
  } else if ((type === "buy" || type === "pass") && room.stage === "decide") {
    if (type === "buy") {
      if (me.money < room.offer!) return "NOT_ENOUGH_MONEY";
      me.money -= room.offer!;
      room.owners[me.position] = id;
    }
    room.offer = null;
    room.stage = "end";
  } else if (type === "end_turn" && room.stage === "end") {
    room.turn = (room.turn + 1) % room.players.length;
    if (room.turn === 0 && ++room.round > room.maxRounds) room.phase = "finished";
    room.stage = "roll";
  } else {
    return "WRONG_STAGE";
  }
  room.seq++;
  return null;
}

/** GET /health of a peer server: what the bench reads to count connected players. */
export function health(clients: number) {
  return JSON.stringify({ rooms: rooms.size, clients });
}
