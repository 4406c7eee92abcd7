/** GET /health: liveness plus the state of the database connection. 503 when the store is down. */
import { Router } from "express";
import { matchMaker } from "@colyseus/core";
import type { Store } from "../store/types.ts";

export function healthRouter(store: Store): Router {
  const router = Router();
  router.get("/health", async (_req, res) => {
    const database = await store.health();
    res.status(database.ok ? 200 : 503).json({
      status: database.ok ? "ok" : "degraded",
      database,
      processId: matchMaker.processId,
      uptimeSeconds: Math.round(process.uptime()),
      rooms: matchMaker.stats.local.roomCount,
      clients: matchMaker.stats.local.ccu,
    });
  });
  return router;
}
