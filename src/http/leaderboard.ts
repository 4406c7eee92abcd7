/**
 * GET /leaderboard?period=day|week|all&limit=N: players ranked over their finished matches; and
 * GET /players/:name/matches?limit=N: one player's history. Thin over the match store, which says
 * who a player is and the order (src/store/leaderboard.ts).
 */
import { Router } from "express";
import { z } from "zod";
import { describeIssue, displayName } from "../messages/options.ts";
import { LEADERBOARD_PERIODS } from "../store/leaderboard.ts";
import type { Store } from "../store/types.ts";
import { sendError } from "./errors.ts";

export const MAX_LEADERBOARD_PLAYERS = 50;
export const DEFAULT_LEADERBOARD_PLAYERS = 10;
export const MAX_PLAYER_MATCHES = 50;
export const DEFAULT_PLAYER_MATCHES = 20;

/** Digits only, at least 1 ("1e1", " 5" and repeated `limit`s are refused); above `max` it is clamped to `max`. */
const limit = (max: number, fallback: number) =>
  z
    .string({ message: "limit must be a whole number" })
    .regex(/^\d+$/, { message: "limit must be a whole number" })
    .transform(Number)
    .pipe(z.number().min(1, { message: "limit must be at least 1" }))
    .transform((n) => Math.min(n, max))
    .default(fallback);

const leaderboardQuery = z.object({
  period: z.enum(LEADERBOARD_PERIODS, { message: `period must be one of ${LEADERBOARD_PERIODS.join(", ")}` }).default("all"),
  limit: limit(MAX_LEADERBOARD_PLAYERS, DEFAULT_LEADERBOARD_PLAYERS),
});

const playerMatchesQuery = z.object({ limit: limit(MAX_PLAYER_MATCHES, DEFAULT_PLAYER_MATCHES) });

export function leaderboardRouter(store: Store): Router {
  const router = Router();

  router.get("/leaderboard", async (req, res, next) => {
    try {
      const parsed = leaderboardQuery.safeParse(req.query);
      if (!parsed.success) return sendError(res, "INVALID_QUERY", describeIssue(parsed.error));
      res.json({ players: await store.matches.leaderboard(parsed.data.period, parsed.data.limit) });
    } catch (e) {
      next(e);
    }
  });

  router.get("/players/:name/matches", async (req, res, next) => {
    try {
      // the name as the game keeps names (trimmed, runs of white space as one), so " Ann" finds Ann
      const name = displayName.safeParse(req.params.name);
      if (!name.success) return sendError(res, "INVALID_NAME", describeIssue(name.error));
      const parsed = playerMatchesQuery.safeParse(req.query);
      if (!parsed.success) return sendError(res, "INVALID_QUERY", describeIssue(parsed.error));
      res.json({ matches: await store.matches.playerMatches(name.data, parsed.data.limit) });
    } catch (e) {
      next(e);
    }
  });

  return router;
}
