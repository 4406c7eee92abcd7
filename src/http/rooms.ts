/**
 * GET /rooms (public joinable rooms; `?watchable=1`: public games in play, to watch) and
 * GET /rooms/:code (any live room, by its join code).
 */
import { Router } from "express";
import { type IRoomCache, matchMaker } from "@colyseus/core";
import type { Store } from "../store/types.ts";
import { CODE_PATTERN } from "../store/types.ts";
import { sendError } from "./errors.ts";
import type { LookupThrottle } from "./throttle.ts";

export const GAME_ROOM = "game";

/**
 * A game room's listing counts its spectators in `clients` and their places in `maxClients`
 * (Colyseus counts every connection): the answers count players and seats, and spectators apart.
 */
function seatsOf(listing: IRoomCache) {
  const spectators = Number(listing.metadata?.spectators ?? 0);
  return {
    clients: listing.clients - spectators,
    maxClients: Number(listing.metadata?.maxPlayers ?? listing.maxClients),
    spectators,
  };
}

export function roomsRouter(store: Store, throttle: LookupThrottle): Router {
  const router = Router();

  router.get("/rooms", async (req, res, next) => {
    try {
      const watchable = req.query.watchable;
      if (watchable !== undefined && watchable !== "1" && watchable !== "0") {
        return sendError(res, "INVALID_QUERY", "watchable is 1 (games in play) or 0 (rooms to join, the default).");
      }
      const playing = watchable === "1";
      const listings = playing
        ? await matchMaker.query({ name: GAME_ROOM, private: false })
        : await matchMaker.query({ name: GAME_ROOM, private: false, locked: false });
      const rooms = listings
        .map((r) => ({ listing: r, seats: seatsOf(r) }))
        .filter(({ listing, seats }) => (playing ? listing.metadata?.phase === "playing" : seats.clients < seats.maxClients && listing.metadata?.phase === "lobby"))
        .map(({ listing: r, seats }) => ({
          roomId: r.roomId,
          code: r.metadata?.code as string,
          ...seats,
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
        ...seatsOf(listing),
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
