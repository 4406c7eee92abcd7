/**
 * The origin policy of the HTTP API, the matchmaking routes and the WebSocket upgrade.
 * CORS: browsers on ALLOWED_ORIGINS may send credentials; any other origin gets plain,
 * credential-less access to the public read-only API.
 * Refusals: with ALLOWED_ORIGINS set, a browser on another origin may not matchmake, upgrade to a
 * WebSocket or send anything but GET/HEAD (403 ORIGIN_NOT_ALLOWED), so a foreign page cannot seat
 * its visitors. Requests without an Origin (bots, native clients) pass, and so do the server's own
 * pages: a request whose Origin names the host it was sent to (its Host header) is same-origin.
 */
import type { RequestHandler } from "express";
import { type AuthContext, type BeforeUpgradeHandler, matchMaker } from "@colyseus/core";
import { joinError } from "../rooms/joinErrors.ts";
import { sendError } from "./errors.ts";

const REFUSAL = "This server does not accept games from the page you are on (its origin is not in ALLOWED_ORIGINS).";

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

/**
 * Whether a request with this Origin (null: none) sent to this Host may seat a player. Without an
 * allowlist every origin may (development, or a server that accepts embedding anywhere).
 */
export function originAllowed(origin: string | null, host: string | null, allowedOrigins: readonly string[]): boolean {
  if (allowedOrigins.length === 0 || origin === null) return true;
  if (allowedOrigins.includes(origin)) return true;
  if (host === null) return false;
  try {
    // the page was served by this host: our own web client (the scheme may differ behind a TLS proxy)
    return new URL(origin).host === host.toLowerCase();
  } catch {
    // "null" (sandboxed frames, file://) and anything else that is not an origin
    return false;
  }
}

/** The line the start logs when a production server has no allowlist, else null. */
export function originPolicyWarning(settings: { nodeEnv: string; allowedOrigins: readonly string[] }): string | null {
  if (settings.nodeEnv !== "production" || settings.allowedOrigins.length > 0) return null;
  return "warning: ALLOWED_ORIGINS is empty: pages on any origin may create and join rooms for their visitors; set it to the origins of your web client";
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function corsMiddleware(allowedOrigins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin ?? null;
    const headers = corsHeadersFor(origin, allowedOrigins);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (req.method === "OPTIONS") {
      res.setHeader("Access-Control-Allow-Methods", "GET,HEAD,POST,OPTIONS");
      res.setHeader("Access-Control-Allow-Headers", "Content-Type, Authorization");
      res.setHeader("Access-Control-Max-Age", "600");
      return res.status(204).end();
    }
    if (!SAFE_METHODS.has(req.method) && !originAllowed(origin, req.headers.host ?? null, allowedOrigins)) {
      return sendError(res, "ORIGIN_NOT_ALLOWED", REFUSAL);
    }
    next();
  };
}

/** The allowlist of the server this process runs (the matchmaking controller is one per process). */
let matchmakeOrigins: readonly string[] = [];

/**
 * The matchmaking routes (/matchmake/*) answer through Colyseus's controller, outside Express:
 * the same CORS there, and a foreign origin is refused with 403 before any seat is reserved.
 */
export function applyMatchmakeCors(allowedOrigins: readonly string[]) {
  matchmakeOrigins = allowedOrigins;
  const controller = matchMaker.controller as typeof matchMaker.controller & { __originChecked?: boolean };
  controller.getCorsHeaders = (headers: Headers) => {
    const base = corsHeadersFor(headers.get("origin"), matchmakeOrigins);
    if (!base["Access-Control-Allow-Credentials"]) base["Access-Control-Allow-Credentials"] = "false";
    return base;
  };
  if (controller.__originChecked) return;
  controller.__originChecked = true;
  const invoke = controller.invokeMethod.bind(controller);
  controller.invokeMethod = async (method, roomName, clientOptions, authOptions?: AuthContext) => {
    const headers = authOptions?.headers;
    if (!originAllowed(headers?.get("origin") ?? null, headers?.get("host") ?? null, matchmakeOrigins)) {
      throw joinError("ORIGIN_NOT_ALLOWED", REFUSAL);
    }
    return invoke(method, roomName, clientOptions, authOptions);
  };
}

/** The WebSocket transport's hook: a foreign origin's upgrade is answered 403 instead of upgraded. */
export function refuseForeignUpgrades(allowedOrigins: readonly string[]): BeforeUpgradeHandler {
  // the context's headers are the request's own (a fetch Request may drop Host and Origin)
  return (_request, { headers }) => {
    if (originAllowed(headers.get("origin"), headers.get("host"), allowedOrigins)) return;
    return Response.json({ error: { code: "ORIGIN_NOT_ALLOWED", message: REFUSAL } }, { status: 403 });
  };
}
