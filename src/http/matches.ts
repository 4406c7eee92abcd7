/**
 * GET /matches/recent?limit=N: the latest finished matches, newest first, players ranked.
 * GET /matches/:id/replay: one of them as its setup and its actions, each with the state hash after
 * it (src/match/replay.ts), made from its room's log; rate limited per client by `limit`
 * (src/http/replayLimit.ts). A log the rules refuse to replay, or one that replays into another game
 * than the room recorded (its seed, its final state's hash), answers 500 REPLAY_UNVERIFIABLE.
 */
import { type RequestHandler, type Response, Router } from "express";
import { z } from "zod";
import { matchEntries, recordMismatches, ReplayError, replayOfLog } from "../match/replay.ts";
import { HttpErrorStatus } from "../messages/errors.ts";
import { describeIssue } from "../messages/options.ts";
import type { Store } from "../store/types.ts";
import { errorBody, sendError } from "./errors.ts";

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

/** A match id as GET /matches/recent answers it: a whole number from 1, in digits (no sign, no leading zero). */
const matchId = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, { message: "a match id is a whole number from 1, in digits" })
  .transform(Number)
  .pipe(z.number().max(Number.MAX_SAFE_INTEGER, { message: "no match has an id that large" }));

/**
 * Replays kept as sent, latest used last: a recorded match's replay never changes, and making one
 * costs the event loop ~60 ms for a 100-round game of five (1,100 actions, 74 KB of JSON). A log
 * that cannot be replayed is kept too, as its refusal: it is logged once, not replayed again.
 */
export const REPLAYS_KEPT = 32;

interface KeptReplay {
  status: number;
  json: string;
}

/** `limit`: the rate limit of GET /matches/:id/replay, before anything else of it runs. `log`: the server's log. */
export function matchesRouter(store: Store, options: { limit?: RequestHandler; log?: (line: string) => void } = {}): Router {
  const router = Router();
  const replays = new Map<string, KeptReplay>();
  const log = options.log ?? (() => {});
  const keep = (key: string, replay: KeptReplay) => {
    replays.set(key, replay);
    if (replays.size > REPLAYS_KEPT) replays.delete(replays.keys().next().value!);
    return replay;
  };
  const send = (res: Response, replay: KeptReplay) => res.status(replay.status).type("application/json").send(replay.json);

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

  if (options.limit) router.get("/matches/:id/replay", options.limit);
  router.get("/matches/:id/replay", async (req, res, next) => {
    try {
      const id = matchId.safeParse(req.params.id);
      if (!id.success) return sendError(res, "INVALID_ID", describeIssue(id.error));
      const link = await store.matches.logLink(id.data);
      if (!link) return sendError(res, "NOT_FOUND", `There is no match ${id.data}.`);
      const key = `${link.id}:${link.roomId}:${link.logLastN}`;
      const kept = replays.get(key);
      if (kept !== undefined) {
        replays.delete(key);
        return send(res, keep(key, kept));
      }
      const entries = matchEntries(await store.logs.read(link.roomId), link);
      // a match recorded before logs were kept, or whose log this store no longer has
      if (entries.length === 0) return sendError(res, "NOT_FOUND", `Match ${id.data} has no stored log to replay.`);
      let replay: KeptReplay;
      try {
        const logged = replayOfLog(entries);
        // the log replays, but not into the game the room recorded (changed in a way the rules accept)
        const mismatches = recordMismatches(logged, link, entries.length);
        if (mismatches.length > 0) throw new ReplayError(mismatches.join("; "));
        replay = { status: 200, json: JSON.stringify(logged.replay) };
      } catch (e) {
        // the log was not written by a room as it is now (changed, or written by other rules): whatever
        // replayOfLog throws on stored data, the match cannot be replayed
        const why = e instanceof ReplayError ? e.message : `${(e as Error).name}: ${(e as Error).message}`;
        log(`replay: match ${id.data} (room ${link.roomId}) cannot be replayed: ${why}`);
        const code = "REPLAY_UNVERIFIABLE";
        replay = { status: HttpErrorStatus[code], json: JSON.stringify(errorBody(code, `Match ${id.data}'s stored log cannot be replayed by the rules (${why}).`)) };
      }
      send(res, keep(key, replay));
    } catch (e) {
      next(e);
    }
  });

  return router;
}
