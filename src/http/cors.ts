/**
 * CORS for the HTTP API and the matchmaking routes: browsers on ALLOWED_ORIGINS may send credentials;
 * any other origin gets plain, credential-less access to the public read-only API.
 */
import type { RequestHandler } from "express";
import { matchMaker } from "@colyseus/core";

export function corsHeadersFor(origin: string | null, allowedOrigins: readonly string[]): Record<string, string> {
  if (origin && allowedOrigins.includes(origin)) {
    return {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Credentials": "true",
      Vary: "Origin",
    };
  }
  return { "Access-Control-Allow-Origin": "*", Vary: "Origin" };
}

export function corsMiddleware(allowedOrigins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const headers = corsHeadersFor(req.headers.origin ?? null, allowedOrigins);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", "GET,HEAD,POST,OPTIONS");
      res.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization");
      res.setHeader("Access-Control-Max-Age", "600");
      return res.status(204).end();
    }
    next();
  };
}

/** The matchmaking routes (/matchmake/*) answer CORS through Colyseus's controller: apply the same policy. */
export function applyMatchmakeCors(allowedOrigins: readonly string[]) {
  matchMaker.controller.getCorsHeaders = (headers: Headers) => {
    const base = corsHeadersFor(headers.get("origin"), allowedOrigins);
    if (!base["Access-Control-Allow-Credentials"]) base["Access-Control-Allow-Credentials"] = "false";
    return base;
  };
}
