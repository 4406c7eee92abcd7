/**
 * The counters of the abuse limits (join-code guessing, flood cuts, guest tokens): in Redis when
 * REDIS_URL is set, so that every process counts the same (this process's memory standing in while
 * Redis is away), in memory otherwise.
 */
import type { Presence } from "@colyseus/core";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";

/** The presence's own command connection (RedisPresence keeps it in `pub`), when it is Redis. */
export function redisClientOf(presence: Presence | undefined): unknown {
  return presence && "pub" in presence ? (presence as unknown as { pub: unknown }).pub : undefined;
}

export function limiterOf(redis: unknown, options: { points: number; duration: number; keyPrefix: string }): RateLimiterAbstract {
  return redis
    ? new RateLimiterRedis({ ...options, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(options) })
    : new RateLimiterMemory(options);
}
