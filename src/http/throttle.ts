/**
 * Join-code guessing: a client IP gets CODE_LOOKUP_LIMIT failed look-ups (a code that leads nowhere,
 * a seat token that fits no seat) per CODE_LOOKUP_WINDOW_SECONDS; after that every look-up, of any
 * code, answers 429 TOO_MANY_ATTEMPTS with Retry-After until the window ends. The counters live in
 * Redis when REDIS_URL is set, so every process counts the same failures (this process's memory
 * stands in while Redis is away), and in memory otherwise.
 *
 * Only failures take points: a look-up is refused while the client's points are spent, and a failed
 * one spends a point once it has failed. Many players behind one address (a school, a carrier's NAT,
 * the load-test bots) looking up live codes at once are never throttled; guesses sent all at once
 * may get past the limit by as many as were in flight together, and the next one is refused.
 */
import { isIP } from "node:net";
import type { Presence } from "@colyseus/core";
import type { RequestHandler } from "express";
import type { RateLimiterRes } from "rate-limiter-flexible";
import type { Settings } from "../config.ts";
import { clientIpOf } from "./clientIp.ts";
import { sendError } from "./errors.ts";
import { limiterOf, redisClientOf } from "./limiters.ts";

export interface LookupThrottle {
  /** Middleware of a look-up route: 429 while the client is blocked; an answer with one of `failures` counts. */
  guard(failures: readonly number[]): RequestHandler<Record<string, string>>;
}

/**
 * The key of a client: its address, or for IPv6 its /64 (one subscriber's whole network, which
 * would otherwise give a guesser 2^64 fresh addresses).
 */
export function clientKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const halves = ip.split("%")[0].split("::");
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
  const groups = halves.length > 1 ? [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill("0"), ...tail] : head;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

type ThrottleSettings = Pick<Settings, "trustProxy" | "codeLookupLimit" | "codeLookupWindowSeconds">;

export function lookupThrottle(settings: ThrottleSettings, presence?: Presence): LookupThrottle {
  const options = { points: settings.codeLookupLimit, duration: settings.codeLookupWindowSeconds, keyPrefix: "boardroom:code-lookups" };
  const limiter = limiterOf(redisClientOf(presence), options);
  const ipOf = clientIpOf(settings.trustProxy);

  return {
    guard: (failures) => async (req, res, next) => {
      const key = clientKey(ipOf(req));
      let spent: RateLimiterRes | null;
      try {
        spent = await limiter.get(key);
      } catch (e) {
        return next(e);
      }
      if (spent && spent.consumedPoints >= settings.codeLookupLimit) {
        const seconds = Math.max(1, Math.ceil(spent.msBeforeNext / 1000));
        res.setHeader("Retry-After", String(seconds));
        res.locals.rateLimit = "code_lookup";
        return sendError(res, "TOO_MANY_ATTEMPTS", `Too many failed join-code look-ups from your address; try again in ${seconds} s.`);
      }
      // A failure spends its point as the status is written, before the answer leaves: the client's
      // next look-up (after it read this one) always finds it counted.
      const writeHead = res.writeHead;
      res.writeHead = function (this: typeof res, ...args: Parameters<typeof res.writeHead>) {
        if (failures.includes(args[0])) limiter.penalty(key).catch(() => {});
        return writeHead.apply(this, args);
      } as typeof res.writeHead;
      next();
    },
  };
}
