/**
 * Replays per client: every request of GET /matches/:id/replay (a good one, a bad id, an unknown
 * match alike) spends a point of its client IP's (an IPv6 client's /64) REPLAY_LIMIT per
 * REPLAY_WINDOW_SECONDS; once they are spent it answers 429 TOO_MANY_ATTEMPTS with Retry-After until
 * the window ends. A replay not made before costs a read of its room's whole log and ~60 ms of the
 * event loop, so a client walking every match id must not get them for free. Counted in Redis with
 * REDIS_URL (every process the same count), in memory otherwise, as the other limits
 * (src/http/limiters.ts).
 */
import type { Presence } from "@colyseus/core";
import type { RequestHandler } from "express";
import { RateLimiterRes } from "rate-limiter-flexible";
import type { Settings } from "../config.ts";
import { clientIpOf } from "./clientIp.ts";
import { sendError } from "./errors.ts";
import { limiterOf, redisClientOf } from "./limiters.ts";
import { clientKey } from "./throttle.ts";

type ReplayLimitSettings = Pick<Settings, "trustProxy" | "replayLimit" | "replayWindowSeconds">;

export function replayLimit(settings: ReplayLimitSettings, presence?: Presence): RequestHandler {
  const limiter = limiterOf(redisClientOf(presence), { points: settings.replayLimit, duration: settings.replayWindowSeconds, keyPrefix: "boardroom:replays" });
  const ipOf = clientIpOf(settings.trustProxy);
  return async (req, res, next) => {
    try {
      await limiter.consume(clientKey(ipOf(req)));
    } catch (e) {
      // a limiter that cannot count (Redis away and no memory standing in) fails the request, typed
      if (!(e instanceof RateLimiterRes)) return next(e);
      const seconds = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      res.setHeader("Retry-After", String(seconds));
      res.locals.rateLimit = "replay";
      return sendError(res, "TOO_MANY_ATTEMPTS", `Too many replays requested from your address; try again in ${seconds} s.`);
    }
    next();
  };
}
