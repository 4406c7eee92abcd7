/**
 * A room's hold, under this process's id, on its join code and its log in the store: taken when a
 * new room opens, handed over at a graceful stop (to nobody: the code stops resolving until a
 * process claims the room, see restore.ts), and given up when the room ends here.
 */
import { matchMaker, type Presence } from "@colyseus/core";
import type { MatchOptions } from "../match/log.ts";
import { openMatch, type Match } from "../match/match.ts";
import type { Store } from "../store/types.ts";
import { joinError } from "./joinErrors.ts";

/** The channel on which a stopping process announces rooms it handed over, so another claims them at once. */
export const RELEASED_CHANNEL = "boardroom:released";

/** A new room: its join code, then its log's first entry; UNAVAILABLE when the database cannot take them. */
export async function openRoom(store: Store, roomId: string, options: MatchOptions, log: (line: string) => void): Promise<Match> {
  // Reserved before the matchmaker records the room, so nobody can find it without a code.
  try {
    const code = await store.codes.reserve(roomId, matchMaker.processId);
    const entry = { t: "open" as const, at: Date.now(), code, options };
    await store.logs.append(roomId, [{ n: 1, entry }], matchMaker.processId);
    return openMatch(entry);
  } catch (e) {
    log(`could not reserve a join code or open the room: ${(e as Error).message}`);
    throw joinError("UNAVAILABLE", "Rooms cannot be created right now: the server's database is unavailable. Try again in a moment.");
  }
}

/** Hands the room over (its code stops resolving until a process claims it) and announces it on RELEASED_CHANNEL. */
export async function handOver(store: Store, presence: Presence, roomId: string, log: (line: string) => void) {
  try {
    await store.codes.claim(roomId, matchMaker.processId, "");
    await presence.publish(RELEASED_CHANNEL, roomId);
  } catch (e) {
    // the process is released as a whole at its stop, or found stale by the others
    log(`room ${roomId}: could not hand the room over now: ${(e as Error).message}`);
  }
}

/** The room ended here: its join code is released and its log closed. */
export async function release(store: Store, roomId: string, code: string | undefined, log: (line: string) => void) {
  try {
    await store.codes.release(roomId);
    await store.logs.close(roomId);
  } catch (e) {
    // the housekeeping of this process settles rooms it holds but no longer runs
    log(`could not release room ${roomId} (${code}): ${(e as Error).message}`);
  }
}
