/**
 * Taking a seat back with its seat token: `POST /rooms/:code/rejoin`, then the SDK consumes the
 * reservation (same sessionId, same seat). Transient answers (the server restarting or restoring the
 * room, the old connection not yet noticed as gone, the database away) are retried with backoff
 * until a time budget runs out; the answers that say the seat is no longer ours are final.
 */
import { Problem, describeJoinError, requestRejoin, roomByCode, sdk } from "./api.ts";
import { ensurePlayerToken } from "./auth.ts";
import type { GameRoom } from "./session.ts";
import { savedName } from "./storage.ts";

export interface RejoinOptions {
  /** Transient answers are retried for this long. */
  budgetMs: number;
  /**
   * A 404 is final: at start, a stored token of a room that has ended. During a game it is not: a
   * restarted server answers 404 until it has restored the room.
   */
  notFoundIsFinal: boolean;
  /** Checked between attempts: true once the person has gone elsewhere. */
  cancelled(): boolean;
}

/** The seat cannot be taken back with this token, ever: forget it. */
export class SeatGone extends Problem {}

const FINAL = new Set(["INVALID_SEAT_TOKEN", "SEAT_LEFT", "INVALID_BODY", "INVALID_CODE", "WRONG_PLAYER"]);
/** The player token was refused (it expired meanwhile): a fresh one, then the seat is asked for again. */
const TOKEN_REFUSED = new Set(["AUTH_REQUIRED", "INVALID_TOKEN"]);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 250 ms, 500 ms, 1 s, 2 s, then every 3 s (a seat still in use: at most 1 s), with some jitter. */
function backoff(attempt: number, code: string): number {
  const cap = code === "SEAT_IN_USE" ? 1000 : 3000;
  return Math.min(cap, 250 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
}

/** The room, seated again; null when cancelled. Throws SeatGone (final) or a Problem (out of time). */
export async function rejoinSeat(code: string, seatToken: string, options: RejoinOptions): Promise<GameRoom | null> {
  const deadline = Date.now() + options.budgetMs;
  let last = new Problem("The server did not answer.", "NETWORK");
  for (let attempt = 0; ; attempt++) {
    if (options.cancelled()) return null;
    const answer = await requestRejoin(code, seatToken);
    if (options.cancelled()) return null;
    if (answer.ok) {
      try {
        const room: GameRoom = await sdk.consumeSeatReservation(answer.reservation);
        if (!options.cancelled()) return room;
        await room.leave(true).catch(() => {});
        return null;
      } catch (e) {
        // the reservation lapsed or the room moved before the socket got there: ask again
        last = describeJoinError(e);
      }
    } else {
      // with a player token the seat is the identity's: joining the room again takes it back too
      if (answer.code === "WRONG_PLAYER" && sdk.auth.token) return joinOwnSeat(code, answer.message);
      if (FINAL.has(answer.code) || (answer.code === "ROOM_NOT_FOUND" && options.notFoundIsFinal)) {
        throw new SeatGone(answer.message, answer.code);
      }
      last = new Problem(answer.message, answer.code);
      if (TOKEN_REFUSED.has(answer.code)) await ensurePlayerToken(savedName() || "Guest").catch(() => {});
    }
    const wait = backoff(attempt, last.code === undefined ? "" : String(last.code));
    if (Date.now() + wait > deadline) throw last;
    await pause(wait);
  }
}

/**
 * A seat token refused as another player's while this page has a player token: the room is joined
 * again with the token, which gives its identity its own seat back (a new one in a lobby where it
 * has none); a refusal of that is final.
 */
export async function joinOwnSeat(code: string, refusal: string): Promise<GameRoom> {
  try {
    const { roomId } = await roomByCode(code);
    const name = savedName();
    return await sdk.joinById(roomId, name ? { name } : {});
  } catch (e) {
    throw new SeatGone(`${refusal} ${describeJoinError(e).message}`.trim(), "WRONG_PLAYER");
  }
}

/** Joins room `code` as a spectator (no seat), under this browser's name. */
export async function watchByCode(code: string, name = savedName()): Promise<GameRoom> {
  const { roomId } = await roomByCode(code);
  return sdk.joinById(roomId, { name: name || "Spectator", spectate: true });
}

/** Refusals that no retry changes: the code is wrong, the room is full of spectators, the options are refused. */
const WATCH_FINAL = new Set(["INVALID_CODE", "ROOM_FULL", "INVALID_OPTIONS"]);

/**
 * Watches room `code` again after a reload, a restart or a lost connection: a spectator has no seat
 * to take back, so it joins as a spectator once more (a new connection, the same screen). Transient
 * answers (the room being restored elsewhere, the server away) are retried as a seat's are.
 * Null when cancelled; throws SeatGone (final) or a Problem (out of time).
 */
export async function watchAgain(code: string, options: RejoinOptions): Promise<GameRoom | null> {
  const deadline = Date.now() + options.budgetMs;
  for (let attempt = 0; ; attempt++) {
    if (options.cancelled()) return null;
    let last: Problem;
    try {
      const room = await watchByCode(code);
      if (!options.cancelled()) return room;
      await room.leave(true).catch(() => {});
      return null;
    } catch (e) {
      last = describeJoinError(e);
      const name = String(last.code ?? "");
      if (WATCH_FINAL.has(name) || (name === "ROOM_NOT_FOUND" && options.notFoundIsFinal)) throw new SeatGone(last.message, last.code);
      if (TOKEN_REFUSED.has(name)) await ensurePlayerToken(savedName() || "Guest").catch(() => {});
    }
    const wait = backoff(attempt, "");
    if (Date.now() + wait > deadline) throw last;
    await pause(wait);
  }
}
