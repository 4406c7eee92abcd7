/**
 * What a client cut for flooding (more than MAX_MESSAGES_PER_SECOND) gets: no reconnection window
 * (the room treats its seat as gone at once), a seat that cannot be taken back for
 * FLOOD_REJOIN_COOLDOWN_SECONDS, and a cut counted against its client IP: FLOOD_CUT_LIMIT cuts within
 * FLOOD_CUT_WINDOW_SECONDS and the address is refused at matchmaking for FLOOD_BLOCK_SECONDS. The
 * counters live in Redis when REDIS_URL is set (every process sees the same cuts), in memory otherwise.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { matchMaker, type Presence, type Transport } from "@colyseus/core";
import type { Request } from "express";
import helmet from "helmet";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { WebSocket } from "ws";
import type { Settings } from "../config.ts";
import type { Metrics } from "../metrics.ts";
import { clientIpOf } from "./clientIp.ts";
import { limiterOf, redisClientOf } from "./limiters.ts";
import { clientKey } from "./throttle.ts";

/** How long the close frame of an oversized frame's connection gets to reach the client before the socket is cut. */
const OVERSIZED_GRACE_MS = 500;

type FloodSettings = Pick<Settings, "trustProxy" | "floodRejoinCooldownSeconds" | "floodCutLimit" | "floodCutWindowSeconds" | "floodBlockSeconds">;

export interface FloodGuard {
  /** A client cut for flooding: its seat (by seat token hash) cools down, its address counts a cut. */
  cut(seatTokenHash: string, socket: unknown): Promise<void>;
  /** Milliseconds before this seat may be taken back; 0 = now. */
  seatCooling(seatTokenHash: string): Promise<number>;
  /** Learns the client IP of every WebSocket the transport accepts (the room sees only the socket). */
  watch(transport: Transport): void;
  /** /matchmake/* from an address that is blocked answers 429 before Colyseus reads it. */
  guardMatchmaking(server: Server | undefined): void;
}

/** Milliseconds a limiter blocks this key for (block() counts one point over the limit); 0 = not blocked. */
async function blockedFor(limiter: RateLimiterAbstract, key: string): Promise<number> {
  try {
    const res = await limiter.get(key);
    return res && res.consumedPoints > limiter.points ? Math.max(1, res.msBeforeNext) : 0;
  } catch {
    // the store does not answer: the limit is not a reason to refuse everyone
    return 0;
  }
}

export function floodGuard(settings: FloodSettings, presence?: Presence, metrics?: Pick<Metrics, "rateLimited">): FloodGuard {
  const redis = redisClientOf(presence);
  const seats = limiterOf(redis, { points: 1, duration: settings.floodRejoinCooldownSeconds, keyPrefix: "boardroom:flood-seats" });
  const cuts = limiterOf(redis, { points: settings.floodCutLimit, duration: settings.floodCutWindowSeconds, keyPrefix: "boardroom:flood-cuts" });
  const blocked = limiterOf(redis, { points: 1, duration: settings.floodBlockSeconds, keyPrefix: "boardroom:flood-blocked" });
  const ipOf = clientIpOf(settings.trustProxy);
  const addresses = new WeakMap<object, string>();

  const countCut = async (key: string) => {
    let consumed: number;
    try {
      consumed = (await cuts.consume(key)).consumedPoints;
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      consumed = e.consumedPoints;
    }
    if (consumed >= settings.floodCutLimit) await blocked.block(key, settings.floodBlockSeconds);
  };

  return {
    async cut(seatTokenHash, socket) {
      metrics?.rateLimited("flood_cut");
      const address = typeof socket === "object" && socket !== null ? addresses.get(socket) : undefined;
      await Promise.all([
        seats.block(seatTokenHash, settings.floodRejoinCooldownSeconds),
        address === undefined ? null : countCut(clientKey(address)),
      ]);
    },

    seatCooling: (seatTokenHash) => blockedFor(seats, seatTokenHash),

    watch(transport) {
      // biome-ignore lint/complexity/useLiteralKeys: wss is protected in WebSocketTransport; its "connection" event carries the upgrade request
      const wss = (transport as unknown as Record<string, { on?: (event: "connection", listener: (ws: WebSocket, req: IncomingMessage) => void) => void }>)["wss"];
      wss?.on?.("connection", (ws, req) => {
        addresses.set(ws, ipOf(req as Request));
        ws.on("error", (e: Error & { code?: string }) => {
          if (e.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") endOversized(req.socket);
        });
      });
    },

    guardMatchmaking(server) {
      if (!server) return;
      // Colyseus puts its own request listener first and answers /matchmake from it: a refused address
      // has to be stopped before the request is handed to the listeners at all.
      const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean;
      server.emit = ((event: string, ...args: unknown[]) => {
        if (event !== "request") return emit(event, ...args);
        const [req, res] = args as [IncomingMessage, ServerResponse];
        if (req.method !== "POST" || !(req.url ?? "").startsWith(`/${matchMaker.controller.matchmakeRoute}/`)) return emit(event, ...args);
        void blockedFor(blocked, clientKey(ipOf(req as Request))).then((ms) => {
          if (ms === 0) return emit(event, ...args);
          metrics?.rateLimited("flood_block");
          refuse(req, res, ms);
        });
        return true;
      }) as typeof server.emit;
    },
  };
}

/**
 * A frame over MAX_FRAME_BYTES: ws refuses it from its header and sends close 1009, but then keeps
 * reading (and dropping) whatever the client sends until the client closes too, up to 30 s: 16 MB
 * read that way grew the process by 16 MB. The socket stops reading at once (after ws's own resume on
 * the next tick), is half-closed behind the close frame, and is cut a moment later.
 */
function endOversized(socket: Socket) {
  process.nextTick(() => {
    socket.pause();
    socket.end();
  });
  setTimeout(() => socket.destroy(), OVERSIZED_GRACE_MS).unref();
}

/** helmet's headers, as on every other answer (an error body needs no more than its defaults). */
const jsonHeaders = helmet({ frameguard: { action: "deny" } });

/** The answer Colyseus gives a refused matchmaking request ({ code, error }, which the SDK reads), with Retry-After. */
function refuse(req: IncomingMessage, res: ServerResponse, ms: number) {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const body = JSON.stringify({
    code: 429,
    error: `TOO_MANY_ATTEMPTS: this address was disconnected for flooding too often; try again in ${seconds} s.`,
  });
  jsonHeaders(req, res, () => {});
  res.writeHead(429, {
    ...matchMaker.controller.DEFAULT_CORS_HEADERS,
    ...matchMaker.controller.getCorsHeaders(new Headers(req.headers as Record<string, string>)),
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "retry-after": String(seconds),
  });
  res.end(body);
  req.resume();
}
