/** GET /matches/recent?limit=N: the latest finished matches, newest first, players ranked. */
import { Router } from "express";
import { z } from "zod";
import { describeIssue } from "../messages/options.ts";
import type { Store } from "../store/types.ts";
import { sendError } from "./errors.ts";

export const MAX_RECENT_MATCHES = 50;
export const DEFAULT_RECENT_MATCHES = 10;

/** Digits only: "1e1", " 5", "0x10" and repeated `limit`s are refused rather than guessed at. */
const recentMatchesQuery = z.object({
  limit: z
    .string({ message: "limit must be a whole number" })
    .regex(/^\d+$/, { message: "limit must be a whole number" })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { message: "limit must be at least 1" })
        .max(MAX_RECENT_MATCHES, { message: `limit must be at most ${MAX_RECENT_MATCHES}` }),
    )
    .default(DEFAULT_RECENT_MATCHES),
});

export function matchesRouter(store: Store): Router {
  const router = Router();

  router.get("/matches/recent", async (req, res, next) => {
    try {
      const parsed = recentMatchesQuery.safeParse(req.query);
      if (!parsed.success) return sendError(res, "INVALID_QUERY", describeIssue(parsed.error));
      const matches = await store.matches.recent(parsed.data.limit);
      // a player's identity (their account's `sub`) is kept in the record, not shown to everyone
      res.json({ matches: matches.map((m) => ({ ...m, players: m.players.map(({ identity: _identity, ...player }) => player) })) });
    } catch (e) {
      next(e);
    }
  });

  return router;
}
