/**
 * What the HTTP API answers when a request fails before or inside a route: always the API's JSON
 * error shape, never Express's HTML page (which carries the stack, the server's file paths and, for a
 * database failure, the database's address). The detail goes to the server's log, once, in one line.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { StoreUnavailableError } from "../store/types.ts";
import { type ApiErrorCode, sendError } from "./errors.ts";

/** The largest JSON body the API reads (docs/protocol.md); the largest real one, a rejoin, is under 300 bytes. */
export const MAX_JSON_BODY_BYTES = 16 * 1024;

export function jsonBody(): RequestHandler {
  return express.json({ limit: MAX_JSON_BODY_BYTES });
}

/** The last route: anything no router answered. */
export function notFound(): RequestHandler {
  return (req, res) => sendError(res, "NOT_FOUND", `No route answers ${req.method} ${printable(req.path, 100)}.`);
}

interface Failure {
  code: ApiErrorCode;
  message: string;
  /** What the log says: the detail the answer leaves out. */
  detail: string;
}

/** The error handler, after every route. */
export function failures(log: (line: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const failure = describe(err);
    log(`http: ${req.method} ${printable(req.originalUrl, 200)} failed with ${failure.code}: ${failure.detail}`);
    // Too late for an answer of our own: cut the connection, so the client sees a failure, not a half answer.
    if (res.headersSent) return void res.destroy();
    sendError(res, failure.code, failure.message);
  };
}

function describe(err: unknown): Failure {
  const e = (typeof err === "object" && err !== null ? err : { message: String(err) }) as {
    type?: unknown;
    status?: unknown;
    sqlState?: unknown;
    name?: unknown;
    message?: unknown;
    stack?: unknown;
  };
  const detail = printable(`${typeof e.name === "string" ? `${e.name}: ` : ""}${String(e.message)}`, 300);
  // body-parser's errors (https://github.com/expressjs/body-parser#errors)
  if (e.type === "entity.parse.failed") return { code: "INVALID_JSON", message: "The body is not valid JSON.", detail };
  if (e.type === "entity.too.large") {
    return { code: "PAYLOAD_TOO_LARGE", message: `The body is larger than ${MAX_JSON_BODY_BYTES / 1024} KB.`, detail };
  }
  if (typeof e.type === "string" && typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    return { code: "INVALID_BODY", message: "The body cannot be read: send JSON in UTF-8.", detail };
  }
  // the router could not decode a parameter of the path
  if (err instanceof URIError && e.status === 400) {
    return { code: "INVALID_URL", message: "The address has a malformed % escape.", detail };
  }
  // the store gave up on a database that is away, or the database refused the statement (a dropped schema)
  if (err instanceof StoreUnavailableError || typeof e.sqlState === "string") {
    return { code: "UNAVAILABLE", message: "The database is unavailable right now; try again in a moment.", detail };
  }
  const where = typeof e.stack === "string" ? e.stack.split("\n").find((line) => /^\s+at /.test(line))?.trim() : undefined;
  return {
    code: "INTERNAL",
    message: "The server failed to answer this request; the failure is logged.",
    detail: where ? `${detail} (${where})` : detail,
  };
}

/**
 * A health report's failure detail fit for a public answer (/health): what went wrong, without the
 * addresses in it (the database's host and port, a user@host).
 */
export function withoutAddresses<T extends { detail?: string }>(health: T): T {
  if (health.detail === undefined) return health;
  const detail = health.detail
    .replace(/'[^']*'@'[^']*'/g, "<user>@<address>")
    .replace(/\[[0-9a-f:.]+\](:\d+)?/gi, "<address>")
    .replace(/(?:[0-9a-f]{0,4}:){2,}[0-9a-f]{0,4}(:\d+)?/gi, "<address>")
    .replace(/\b(\d{1,3}\.){3}\d{1,3}(:\d+)?\b/g, "<address>")
    .replace(/\b(ENOTFOUND|EAI_AGAIN)\s+\S+/g, "$1 <address>")
    .replace(/\b[a-z][\w.-]*:\d{2,5}\b/gi, "<address>");
  return { ...health, detail };
}

/** One line of at most `max` characters, without control characters (the URL and messages come from clients). */
function printable(text: string, max: number): string {
  const line = text.replace(/\p{Cc}+/gu, " ");
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
