/**
 * Security headers on every HTTP answer (helmet): no sniffing, no framing, no referrer, and a content
 * security policy that lets the web client load only its own scripts, styles and images and talk only
 * to its own origin (fetch and WebSocket).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import helmet from "helmet";

type Directives = Record<string, string[]>;

const CLIENT_POLICY: Directives = {
  "default-src": ["'self'"],
  "base-uri": ["'none'"],
  "connect-src": ["'self'"],
  "font-src": ["'self'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
  // the favicon is an inline SVG data: URL
  "img-src": ["'self'", "data:"],
  "manifest-src": ["'self'"],
  "object-src": ["'none'"],
  "script-src": ["'self'"],
  "script-src-attr": ["'none'"],
  "style-src": ["'self'"],
  // the client places board tiles and colours seats with style attributes (no <style> elements)
  "style-src-attr": ["'unsafe-inline'"],
};

/**
 * /monitor and /playground are third-party builds whose UI kits inject <style> elements, and the
 * monitor loads Material Icons from Google Fonts: their policy allows that, for their paths only.
 */
const TOOLS_POLICY: Directives = {
  ...CLIENT_POLICY,
  "font-src": ["'self'", "https://fonts.gstatic.com"],
  "style-src": ["'self'", "'unsafe-inline'", "https://fonts.googleapis.com"],
};

const TOOLS_PATH = /^\/(monitor|playground)([/?]|$)/;

function withPolicy(directives: Directives) {
  return helmet({
    // useDefaults: false keeps helmet's upgrade-insecure-requests out: a server reached over plain
    // http (development, a private network) would otherwise have its page's ws:// upgraded to wss://.
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: "deny" },
  });
}

const page = withPolicy(CLIENT_POLICY);
const tools = withPolicy(TOOLS_POLICY);
const headersFor = (url: string) => (TOOLS_PATH.test(url) ? tools : page);

/** For Express, first: every answer of the app, errors included. */
export function securityHeaders(): RequestHandler {
  return (req, res, next) => headersFor(req.originalUrl)(req, res, next);
}

/**
 * Colyseus answers its own routes (/matchmake/*, /__healthcheck) on the HTTP server without Express:
 * they get the same headers from a request listener of their own. Colyseus's listener dispatches
 * first, but its routes answer only after reading the body, so the headers are set by then.
 */
export function securityHeadersOutsideExpress(server: Server | undefined) {
  server?.on("request", (req: IncomingMessage, res: ServerResponse) => {
    // Express has set them (or already answered)
    if (res.headersSent || res.hasHeader("x-content-type-options")) return;
    headersFor(req.url ?? "/")(req, res, () => {});
  });
}
