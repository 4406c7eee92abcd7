/**
 * GET /metrics: the Prometheus text format, for a scraper holding METRICS_TOKEN as a bearer token.
 * Without a configured token the route does not exist (404), so nothing is exposed by default.
 */
import { timingSafeEqual } from "node:crypto";
import { Router } from "express";
import type { Metrics } from "../metrics.ts";
import { sendError } from "./errors.ts";

function sameToken(given: string, expected: string) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function metricsRouter(metrics: Metrics, token: string | null): Router {
  const router = Router();
  router.get("/metrics", async (req, res, next) => {
    if (!token) return sendError(res, "NOT_FOUND", "Metrics are off: set METRICS_TOKEN to serve /metrics.");
    const [scheme, given] = (req.headers.authorization ?? "").split(" ");
    if (scheme !== "Bearer" || !given || !sameToken(given, token)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
      return sendError(res, "UNAUTHORIZED", "GET /metrics needs the METRICS_TOKEN as a bearer token (Authorization: Bearer ...).");
    }
    try {
      const text = await metrics.text();
      res.setHeader("Cache-Control", "no-store");
      res.type(metrics.contentType).send(text);
    } catch (e) {
      next(e);
    }
  });
  return router;
}
