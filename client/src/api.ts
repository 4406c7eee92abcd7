/**
 * The server as the client sees it: the public HTTP routes (/board, /rooms/:code,
 * /players/:name/matches), the Colyseus SDK client, and refusals turned into sentences for people.
 */
import { Client, ErrorCode, type SeatReservation } from "@colyseus/sdk";
import { joinErrorName } from "../../src/messages/errors.ts";

/** The dev server (vite) proxies the game server under /colyseus; the built client is served by it. */
const SERVER_BASE = import.meta.env.DEV ? "/colyseus" : "";

export const serverUrl = (path = "") => `${location.origin}${SERVER_BASE}${path}`;

export const sdk = new Client(serverUrl());

/** The tile shapes the server's rules use (type-only: GET /board sends the data). */
export type { Tile, TileKind } from "../../src/game/types.ts";
import type { Tile } from "../../src/game/types.ts";

export interface Board {
  tiles: Tile[];
  rules: { startingMoney: number; goSalary: number; bail: number; railroadRents: number[]; utilityMultipliers: number[] };
}

export interface RoomByCode {
  roomId: string;
  code: string;
  clients: number;
  maxClients: number;
  private: boolean;
  phase: string;
  hostName?: string;
}

/** A refusal or failure worded for the person in front of the screen. */
export class Problem extends Error {
  constructor(message: string, readonly code?: string | number) {
    super(message);
    this.name = "Problem";
  }
}

const UNREACHABLE = "Cannot reach the game server. Check your connection and try again.";

async function getJson<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(serverUrl(path), { headers: { Accept: "application/json" } });
  } catch {
    throw new Problem(UNREACHABLE, "NETWORK");
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const error = body?.error;
    throw new Problem(error?.message ?? `The server answered ${res.status}.`, error?.code ?? res.status);
  }
  return body as T;
}

export const fetchBoard = () => getJson<Board>("/board");

/** One finished match of a player's history, as GET /players/:name/matches answers it (type-only). */
export type { PlayerMatch } from "../../src/store/leaderboard.ts";
import type { PlayerMatch } from "../../src/store/leaderboard.ts";

/** The finished matches of the player the leaderboard shows as `name`, newest first (400 INVALID_NAME, 503 become Problems). */
export const fetchPlayerMatches = (name: string, limit: number) =>
  getJson<{ matches: PlayerMatch[] }>(`/players/${encodeURIComponent(name)}/matches?limit=${limit}`).then((body) => {
    if (!Array.isArray(body?.matches)) throw new Problem("The server sent an answer this page does not understand.", "BAD_ANSWER");
    return body.matches;
  });

/** Resolves a 6-digit join code to its room (404 ROOM_NOT_FOUND / 400 INVALID_CODE become Problems). */
export const roomByCode = (code: string) => getJson<RoomByCode>(`/rooms/${encodeURIComponent(code)}`);

/** What `POST /rooms/:code/rejoin` answered: a reservation for our own seat, or why not (status 0: no answer). */
export type RejoinAnswer = { ok: true; reservation: SeatReservation } | { ok: false; status: number; code: string; message: string };

/** Asks for this browser's seat in room `code` back, with the seat token the room gave it. */
export async function requestRejoin(code: string, seatToken: string): Promise<RejoinAnswer> {
  let res: Response;
  try {
    res = await fetch(serverUrl(`/rooms/${encodeURIComponent(code)}/rejoin`), {
      method: "POST",
      // with player tokens on, the seat is taken back by the identity that took it (auth.ts keeps the token)
      headers: { Accept: "application/json", "Content-Type": "application/json", ...(sdk.auth.token ? { Authorization: `Bearer ${sdk.auth.token}` } : {}) },
      body: JSON.stringify({ seatToken }),
    });
  } catch {
    return { ok: false, status: 0, code: "NETWORK", message: UNREACHABLE };
  }
  const body = await res.json().catch(() => null);
  if (res.ok && body?.reservation) return { ok: true, reservation: body.reservation as SeatReservation };
  const error = body?.error;
  return { ok: false, status: res.status, code: error?.code ?? String(res.status), message: error?.message ?? `The server answered ${res.status}.` };
}

/** Create/join/reconnect refusals: our codes carry the server's own sentence; Colyseus's get ours. */
export function describeJoinError(e: unknown): Problem {
  if (e instanceof Problem) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === "number" ? err.code : undefined;
  const message = typeof err?.message === "string" ? err.message : "";
  const name = code === undefined ? undefined : joinErrorName(code, message);
  if (name === "AUTH_REQUIRED" || name === "INVALID_TOKEN") return new Problem("The server did not accept your player token; try again.", name);
  if (name) return new Problem(message || "The room refused to let you in.", name);
  switch (code) {
    case ErrorCode.MATCHMAKE_INVALID_ROOM_ID:
      return new Problem("That room no longer exists.", code);
    case ErrorCode.MATCHMAKE_EXPIRED:
      return new Problem("Your seat is no longer held: the room gave it up.", code);
    case ErrorCode.MATCHMAKE_UNHANDLED:
      return new Problem(message || "The server could not seat you.", code);
  }
  if (e instanceof TypeError || /fetch|network|Failed to/i.test(message)) return new Problem(UNREACHABLE, "NETWORK");
  return new Problem(message || "Something went wrong while joining.", code);
}
