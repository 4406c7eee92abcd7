/**
 * POST /rooms/:code/rejoin { seatToken }: a player takes their own seat back (same sessionId) after
 * anything: a dropped connection past the window, a closed tab, a restart, the room moving to
 * another process. Any process can take the request: a room whose process is gone is restored here
 * first (claimed atomically, so only one process runs it).
 */
import { Router } from "express";
import { matchMaker, type IRoomCache } from "@colyseus/core";
import { z } from "zod";
import { playerOf } from "../auth/http.ts";
import type { Restorer } from "../rooms/restore.ts";
import { hashSeatToken, type RejoinAnswer } from "../rooms/seats.ts";
import { CODE_PATTERN, type Store } from "../store/types.ts";
import { sendError } from "./errors.ts";
import type { FloodGuard } from "./floods.ts";
import type { LookupThrottle } from "./throttle.ts";

const body = z.strictObject({ seatToken: z.string().min(1).max(200) });

/** How long a rejoin waits for its room to come up (being restored by this or another process). */
const ROOM_WAIT_MS = 5000;
/** How long the room's process has to answer. */
const ROOM_CALL_MS = 2000;

export function rejoinRouter(store: Store, restorer: Restorer, throttle: LookupThrottle, floods?: FloodGuard): Router {
  const router = Router();

  // a wrong code (404) or a token that fits no seat (403) is a failed guess: counted per client IP
  router.post("/rooms/:code/rejoin", throttle.guard([403, 404]), async (req, res, next) => {
    try {
      const code = req.params.code;
      if (!CODE_PATTERN.test(code)) return sendError(res, "INVALID_CODE", "A join code is exactly 6 digits.");
      const parsed = body.safeParse(req.body ?? {});
      if (!parsed.success) return sendError(res, "INVALID_BODY", 'The body must be JSON like { "seatToken": "..." }.');
      // a seat cut for flooding cools down before it can be taken back
      const cooling = (await floods?.seatCooling(hashSeatToken(parsed.data.seatToken))) ?? 0;
      if (cooling > 0) {
        const seconds = Math.ceil(cooling / 1000);
        res.setHeader("Retry-After", String(seconds));
        res.locals.rateLimit = "seat_cooldown";
        return sendError(res, "TOO_MANY_ATTEMPTS", `This seat was disconnected for flooding; it can be taken back in ${seconds} s.`);
      }

      if (matchMaker.state === matchMaker.MatchMakerState.SHUTTING_DOWN) {
        return sendError(res, "UNAVAILABLE", "This server is stopping; try again in a moment.");
      }
      const listing = await liveRoom(store, restorer, code);
      if (listing === "unknown") return sendError(res, "ROOM_NOT_FOUND", `No live room has the code ${code}.`);
      if (listing === "pending") return sendError(res, "UNAVAILABLE", "The room is being restored; try again in a moment.");

      let answer: RejoinAnswer;
      try {
        answer = await matchMaker.remoteRoomCall(listing.roomId, "prepareRejoin", [parsed.data.seatToken, playerOf(res)?.identity], ROOM_CALL_MS);
      } catch {
        // its process does not answer: it may have crashed and not be known as gone yet
        return sendError(res, "UNAVAILABLE", "The room's server does not answer right now; try again in a moment.");
      }
      if (!answer.ok) return sendError(res, answer.code, answer.message);
      const reservation = {
        ...matchMaker.buildSeatReservation(listing, answer.sessionId),
        ...(answer.reconnectionToken ? { reconnectionToken: answer.reconnectionToken } : {}),
      };
      res.json({ reservation });
    } catch (e) {
      next(e);
    }
  });

  return router;
}

/**
 * The room's listing once a live process runs it (restored here if its process is gone), or why not.
 * A room of this process is found without the database; otherwise the code is resolved in MySQL, at
 * a pace that slows down while the room is not up yet (a restart's rejoins must not drain the pool).
 */
async function liveRoom(store: Store, restorer: Restorer, code: string): Promise<IRoomCache | "unknown" | "pending"> {
  const local = restorer.localRoomOf(code);
  if (local) {
    const listing = (await matchMaker.findRoomsByIds([local])).get(local);
    if (listing?.processId === matchMaker.processId) return listing;
  }
  const deadline = Date.now() + ROOM_WAIT_MS;
  for (let pause = 100; ; pause = Math.min(2 * pause, 1000)) {
    const live = await store.codes.resolve(code);
    const record = live ?? (await store.codes.lookup(code));
    if (!record) return "unknown";
    // shared with the restores already under way for this room (the scan's, other rejoins')
    if (!live) await restorer.restore(record.roomId, record.processId);
    let listing = (await matchMaker.findRoomsByIds([record.roomId])).get(record.roomId);
    if (!listing && matchMaker.getLocalRoomById(record.roomId)) {
      // ours, but its listing went missing (its former process removed it while disposing its copy)
      await matchMaker.restoreMissingRoomCaches();
      listing = (await matchMaker.findRoomsByIds([record.roomId])).get(record.roomId);
    }
    if (listing && listing.processId === (live ?? (await store.codes.resolve(code)))?.processId) {
      if (listing.processId === matchMaker.processId) restorer.remember(code, record.roomId);
      return listing;
    }
    // the room exists but is not up yet (being restored): a retry, not a wrong guess
    if (Date.now() + pause > deadline) return "pending";
    await new Promise((r) => setTimeout(r, pause));
  }
}
