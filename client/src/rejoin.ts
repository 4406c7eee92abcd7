/**
 * Taking a seat back with its seat token: `POST /rooms/:code/rejoin`, then the SDK consumes the
 * reservation (same sessionId, same seat). Transient answers (the server restarting or restoring the
 * room, the old connection not yet noticed as gone, the database away) are retried with backoff
 * until a time budget runs out; the answers that say the seat is no longer ours are final.
 */
import { Problem, describeJoinError, requestRejoin, sdk } from "./api.ts";
import type { GameRoom } from "./session.ts";

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

const FINAL = new Set(["INVALID_SEAT_TOKEN", "SEAT_LEFT", "INVALID_BODY", "INVALID_CODE"]);

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
      if (FINAL.has(answer.code) || (answer.code === "ROOM_NOT_FOUND" && options.notFoundIsFinal)) {
        throw new SeatGone(answer.message, answer.code);
      }
      last = new Problem(answer.message, answer.code);
    }
    const wait = backoff(attempt, last.code === undefined ? "" : String(last.code));
    if (Date.now() + wait > deadline) throw last;
    await pause(wait);
  }
}
