/** GET /rooms (public joinable rooms) and GET /rooms/:code (any live room, by its join code). */
import { Router } from "express";
import { matchMaker } from "@colyseus/core";
import type { Store } from "../store/types.ts";
import { CODE_PATTERN } from "../store/types.ts";
import { sendError } from "./errors.ts";
import type { LookupThrottle } from "./throttle.ts";

export const GAME_ROOM = "game";

export function roomsRouter(store: Store, throttle: LookupThrottle): Router {
  const router = Router();

  router.get("/rooms", async (_req, res, next) => {
    try {
      const listings = await matchMaker.query({ name: GAME_ROOM, private: false, locked: false });
      const rooms = listings
        .filter((r) => r.clients < r.maxClients && r.metadata?.phase === "lobby")
        .map((r) => ({
          roomId: r.roomId,
          code: r.metadata?.code as string,
          clients: r.clients,
          maxClients: r.maxClients,
          phase: r.metadata?.phase as string,
          hostName: r.metadata?.hostName as string,
          createdAt: r.createdAt,
        }));
      res.json({ rooms });
    } catch (e) {
      next(e);
    }
  });

  // a 404 is a failed guess: counted per client IP
  router.get("/rooms/:code", throttle.guard([404]), async (req, res, next) => {
    try {
      const code = req.params.code;
      if (!CODE_PATTERN.test(code)) {
        return sendError(res, "INVALID_CODE", "A join code is exactly 6 digits.");
      }
      const record = await store.codes.resolve(code);
      const listing = record ? (await matchMaker.findRoomsByIds([record.roomId])).get(record.roomId) : undefined;
      if (!listing) {
        // a room whose process is gone (being restored) or whose listing is being repaired: a retry, not a wrong guess
        if (record || (await store.codes.lookup(code))) {
          res.setHeader("Retry-After", "1");
          return sendError(res, "UNAVAILABLE", `The room ${code} is being restored on another server; try again in a moment.`);
        }
        return sendError(res, "ROOM_NOT_FOUND", `No live room has the code ${code}.`);
      }
      res.json({
        roomId: listing.roomId,
        code,
        clients: listing.clients,
        maxClients: listing.maxClients,
        private: listing.private,
        phase: listing.metadata?.phase,
        hostName: listing.metadata?.hostName,
      });
    } catch (e) {
      next(e);
    }
  });

  return router;
}
