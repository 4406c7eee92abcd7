/**
 * GET /health: liveness plus the state of the database and, with REDIS_URL, of Redis; 503 when
 * either is down. GET /health/ready: whether this process takes new players (503 while it starts
 * or drains on SIGTERM), so a load balancer stops sending players to a process that is stopping.
 */
import { Router } from "express";
import { matchMaker } from "@colyseus/core";
import { RedisPresence } from "@colyseus/redis-presence";
import type { Store } from "../store/types.ts";
import { withoutAddresses } from "./failures.ts";

/** A Redis that does not answer a PING within this counts as down. */
const REDIS_PING_MS = 1000;

export interface RedisHealth {
  ok: boolean;
  detail?: string;
}

/** The part of the presence's ioredis connection that a PING needs. */
interface Pingable {
  status: string;
  ping(): Promise<string>;
}

/** PING on the presence's own connection, the one the matchmaker relies on. */
async function redisHealth(): Promise<RedisHealth> {
  const presence = matchMaker.presence;
  if (!(presence instanceof RedisPresence)) return { ok: false, detail: "the presence is not Redis" };
  // biome-ignore lint/complexity/useLiteralKeys: pub is protected in RedisPresence; TypeScript allows reading it only with bracket access
  const connection = presence["pub"] as unknown as Pingable;
  // a connection that is not ready would queue the PING until Redis is back
  if (connection.status !== "ready") return { ok: false, detail: `the connection to Redis is ${connection.status}` };
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer to PING within ${REDIS_PING_MS} ms`)), REDIS_PING_MS);
    });
    const answer = await Promise.race([connection.ping(), late]);
    return answer === "PONG" ? { ok: true } : { ok: false, detail: `PING answered ${String(answer).slice(0, 40)}` };
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A stop on SIGTERM (the server's onBeforeShutdown): not ready from its first moment, and for
 * DRAIN_SECONDS the rooms keep running before they are closed, so a load balancer that polls
 * /health/ready has time to stop sending players here.
 */
export class Drain {
  private started = false;

  constructor(private readonly seconds: number) {}

  get draining(): boolean {
    return this.started;
  }

  async begin(): Promise<void> {
    this.started = true;
    if (this.seconds > 0) await new Promise((resolve) => setTimeout(resolve, this.seconds * 1000));
  }
}

const READINESS = {
  [matchMaker.MatchMakerState.INITIALIZING]: "starting",
  [matchMaker.MatchMakerState.READY]: "ready",
  [matchMaker.MatchMakerState.SHUTTING_DOWN]: "draining",
} as const;

export function healthRouter(store: Store, options: { redis?: boolean; drain?: Drain } = {}): Router {
  const router = Router();
  router.get("/health", async (_req, res) => {
    const [database, redis] = await Promise.all([store.health(), options.redis ? redisHealth() : null]);
    const ok = database.ok && (redis?.ok ?? true);
    res.status(ok ? 200 : 503).json({
      status: ok ? "ok" : "degraded",
      // the failure, not where the database or Redis lives
      database: withoutAddresses(database),
      ...(redis ? { redis: withoutAddresses(redis) } : {}),
      processId: matchMaker.processId,
      uptimeSeconds: Math.round(process.uptime()),
      rooms: matchMaker.stats.local.roomCount,
      clients: matchMaker.stats.local.ccu,
    });
  });
  router.get("/health/ready", (_req, res) => {
    const status = options.drain?.draining ? "draining" : (READINESS[matchMaker.state] ?? "starting");
    res.status(status === "ready" ? 200 : 503).json({ status, processId: matchMaker.processId });
  });
  return router;
}
