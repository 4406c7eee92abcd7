/**
 * The bodies of the matchmaking routes (POST /matchmake/*). Colyseus answers them outside Express:
 * its router reads a request's whole body, of any size, and answers malformed JSON with a bare
 * `{ error }`. Here the body is read first, with the limit of every other JSON body of the API
 * (MAX_JSON_BODY_BYTES): one larger is refused with 413 `PAYLOAD_TOO_LARGE` as soon as it is known
 * to be (by its Content-Length, or once the bytes read pass the limit; the rest is not read),
 * malformed JSON with 400 `INVALID_JSON`, both in the `{ code, error }` shape the SDK parses, with
 * the name in front of the sentence as in every create/join refusal. A good body goes on to the
 * matchmaking router as `req.body`, which it reads instead of the stream.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { matchMaker } from "@colyseus/core";
import { MAX_JSON_BODY_BYTES } from "./failures.ts";

type WithBody = IncomingMessage & { body?: unknown };

const LIMIT_KB = MAX_JSON_BODY_BYTES / 1024;

/** Wraps the server's "request" event: runs before every listener, whenever Colyseus binds its own. */
export function guardMatchmakeBodies(server: Server, limit = MAX_JSON_BODY_BYTES) {
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event !== "request") return emit(event, ...args);
    const [req, res] = args as [WithBody, ServerResponse];
    if (req.method !== "POST" || !req.url?.startsWith("/matchmake/") || req.body !== undefined) return emit(event, ...args);
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) {
      refuse(req, res, 413, `PAYLOAD_TOO_LARGE: The body is larger than ${LIMIT_KB} KB.`);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        refuse(req, res, 413, `PAYLOAD_TOO_LARGE: The body is larger than ${LIMIT_KB} KB.`);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (refused) return;
      const raw = Buffer.concat(chunks).toString("utf8");
      try {
        req.body = raw.trim() === "" ? {} : JSON.parse(raw);
      } catch {
        refuse(req, res, 400, "INVALID_JSON: The body is not valid JSON.");
        return;
      }
      emit(event, req, res);
    });
    return true;
  }) as typeof server.emit;
}

/** Answers in the matchmaking routes' shape (with their CORS headers, so a page can read it), then stops reading. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, error: string) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  res.writeHead(status, {
    ...matchMaker.controller.DEFAULT_CORS_HEADERS,
    ...matchMaker.controller.getCorsHeaders(headers),
    "content-type": "application/json",
    connection: "close",
  });
  // the rest of a body too large is never read: the connection ends with the answer
  res.end(JSON.stringify({ code: status, error }), () => req.destroy());
}
