/**
 * Configuration: the environment is read and checked here, once, and nowhere else.
 * A bad value stops the start with one line that names the variable.
 */
import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { parseEnv } from "node:util";
import { z } from "zod";

export interface Settings {
  nodeEnv: "development" | "production" | "test";
  port: number;
  /** mysql://user:pass@host:port/database; unset = the embedded in-memory store. */
  mysqlUrl: string | null;
  /** redis://host:port; set = rooms, listing and matchmaking shared between processes. */
  redisUrl: string | null;
  monitorUser: string;
  /** unset = /monitor is not mounted (there is no default password). */
  monitorPassword: string | null;
  /** Bearer token of GET /metrics; unset = no /metrics (404). */
  metricsToken: string | null;
  /**
   * How long a process stopping on SIGTERM answers 503 on /health/ready, still serving its rooms,
   * before it closes them: time for a load balancer to stop sending it players.
   */
  drainSeconds: number;
  /** Origins whose browsers may call the HTTP API with credentials. */
  allowedOrigins: string[];
  /** How long a dropped player keeps their seat. */
  reconnectSeconds: number;
  /**
   * How often the server pings each WebSocket; one that misses two pings in a row is dropped (its
   * seat then waits RECONNECT_SECONDS). Colyseus's default, 3 s, costs every connection a write and
   * a read every 3 s whether or not anything happens.
   */
  pingSeconds: number;
  /** How long a restored room (after a crash or a deploy) waits for its players to take their seats back. */
  restoreWaitSeconds: number;
  /** How often this process proves it is alive in the database, and when a silent one counts as gone. */
  heartbeatSeconds: number;
  staleProcessSeconds: number;
  /** Client messages per second before a client is disconnected for flooding. */
  maxMessagesPerSecond: number;
  /** The shortest `turnSeconds` a room may be created with (10 in the contract; tests lower it). */
  minTurnSeconds: number;
  /** How long the server waits before playing the turn of a player who is gone for good. */
  awayTurnSeconds: number;
  /**
   * How long an action waits for the database to commit it before it is refused with UNAVAILABLE
   * (the game pauses until the database answers again).
   */
  storeHoldSeconds: number;
  /** PM2's instance number (NODE_APP_INSTANCE): each instance listens on `port + instance`. */
  instance: number;
  /**
   * Where clients reach this process's rooms when several processes share Redis (host:port or
   * host/path behind a load balancer); `{port}` stands for this process's port. Null = the address
   * the client used for matchmaking.
   */
  publicAddress: string | null;
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For names the client; empty = the socket's peer is the client. */
  trustProxy: string[];
  /** How long a released join code is not handed out again (an old invite must not land in a stranger's room). */
  codeCooldownSeconds: number;
  /** Failed join-code look-ups a client IP may make per window before it gets 429 TOO_MANY_ATTEMPTS. */
  codeLookupLimit: number;
  codeLookupWindowSeconds: number;
  /** How long a client cut for flooding waits before it may take its seat back (POST /rooms/:code/rejoin). */
  floodRejoinCooldownSeconds: number;
  /** Flood cuts of one client IP within floodCutWindowSeconds that get it refused at matchmaking for floodBlockSeconds. */
  floodCutLimit: number;
  floodCutWindowSeconds: number;
  floodBlockSeconds: number;
  /** Requests of GET /matches/:id/replay a client IP may make per replayWindowSeconds before it gets 429 TOO_MANY_ATTEMPTS. */
  replayLimit: number;
  replayWindowSeconds: number;
  /** How long an answer of GET /leaderboard or GET /players/:name/matches is kept in this process; 0 = not kept. */
  leaderboardCacheSeconds: number;
  /** HS256 secret of player tokens (and of guest tokens); null = no HS256 tokens. */
  authJwtSecret: string | null;
  /** The public keys (RS256/ES256) of a JWKS file that player tokens may be signed with; null = none. */
  authJwks: JSONWebKeySet | null;
  /** When set, a player token's `aud` must include it. */
  authAudience: string | null;
  /** POST /auth/guest issues guest tokens (needs authJwtSecret). */
  authGuests: boolean;
  /** How long a guest token is valid. */
  authGuestSeconds: number;
}

/** A JSON Web Key Set as the settings carry it (public keys only). */
export interface JSONWebKeySet {
  keys: Array<Record<string, unknown>>;
}

export class ConfigError extends Error {
  constructor(public readonly variable: string, detail: string) {
    super(`Invalid configuration: ${variable} ${detail}`);
    this.name = "ConfigError";
  }
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? null : v.trim()));

const positiveNumber = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a number from ${min} to ${max} (got "${v}")` });
        return z.NEVER;
      }
      return n;
    });

/** An IPv4/IPv6 address, or one with a /prefix that fits its family. */
function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const urlOf = (protocols: string[]) =>
  optionalString.superRefine((v, ctx) => {
    if (v === null) return;
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({ code: "custom", message: `must be a URL like ${protocols[0]}//host:port (got "${v}")` });
      return;
    }
    if (!protocols.includes(url.protocol)) {
      ctx.addIssue({ code: "custom", message: `must start with ${protocols.join(" or ")} (got "${url.protocol}")` });
    }
  });

/** The least length of AUTH_JWT_SECRET: 256 bits of an HS256 key, as RFC 7518 asks. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** The key types and algorithms a JWKS file may hold: public RSA and EC keys (RS256, ES256). */
const JWKS_KEY_TYPES = new Set(["RSA", "EC"]);
const JWKS_ALGORITHMS = new Set(["RS256", "ES256"]);

/** Reads AUTH_JWKS_FILE: a JSON Web Key Set of public RSA/EC keys, or a sentence saying what is wrong. */
function readJwksFile(file: string): JSONWebKeySet | string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}: ${file})`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `must name a JSON file (a JWKS like {"keys":[...]}); ${file} is not JSON`;
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) return `must name a JWKS file with a non-empty "keys" array (${file})`;
  for (const [i, key] of keys.entries()) {
    const k = key as Record<string, unknown>;
    if (typeof k !== "object" || k === null || !JWKS_KEY_TYPES.has(String(k.kty))) return `key ${i} of ${file} must be an RSA or EC public key (kty "RSA" or "EC")`;
    if ("d" in k) return `key ${i} of ${file} is a private key: the file must hold public keys only`;
    if (k.alg !== undefined && !JWKS_ALGORITHMS.has(String(k.alg))) return `key ${i} of ${file} has alg "${String(k.alg)}"; only RS256 and ES256 are accepted`;
  }
  return { keys: keys as JSONWebKeySet["keys"] };
}

const flag = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = (v ?? "").trim().toLowerCase();
      if (value === "" || value === "0" || value === "false") return false;
      if (value === "1" || value === "true") return true;
      ctx.addIssue({ code: "custom", message: `must be 1 or 0 (got "${v}")` });
      return z.NEVER;
    });

const envSchema = z.object({
  NODE_ENV: z
    .enum(["development", "production", "test"], { message: "must be development, production or test" })
    .optional()
    .transform((v) => v ?? "development"),
  PORT: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return 2567;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) {
        ctx.addIssue({ code: "custom", message: `must be a whole number from 0 to 65535 (got "${v}")` });
        return z.NEVER;
      }
      return n;
    }),
  MYSQL_URL: urlOf(["mysql:"]),
  REDIS_URL: urlOf(["redis:", "rediss:"]),
  MONITOR_USER: optionalString.transform((v) => v ?? "admin"),
  MONITOR_PASSWORD: optionalString,
  METRICS_TOKEN: optionalString.superRefine((v, ctx) => {
    if (v !== null && !/^[\x21-\x7e]{16,}$/.test(v)) {
      ctx.addIssue({ code: "custom", message: "must be at least 16 printable characters without spaces (a bearer token)" });
    }
  }),
  DRAIN_SECONDS: positiveNumber(0, 0, 300),
  ALLOWED_ORIGINS: optionalString.transform((v, ctx) => {
    if (v === null) return [];
    const origins = v.split(",").map((o) => o.trim()).filter(Boolean);
    for (const origin of origins) {
      let parsed: URL | null = null;
      try {
        parsed = new URL(origin);
      } catch {
        /* reported below */
      }
      if (!parsed || parsed.origin !== origin.replace(/\/$/, "")) {
        ctx.addIssue({ code: "custom", message: `must be a comma-separated list of origins like https://example.com (got "${origin}")` });
        return z.NEVER;
      }
    }
    return origins.map((o) => o.replace(/\/$/, ""));
  }),
  RECONNECT_SECONDS: positiveNumber(30, 0.05, 3600),
  PING_SECONDS: positiveNumber(10, 0.05, 120),
  RESTORE_WAIT_SECONDS: positiveNumber(60, 0.05, 3600),
  HEARTBEAT_SECONDS: positiveNumber(10, 0.05, 600),
  STALE_PROCESS_SECONDS: positiveNumber(30, 0.1, 3600),
  MAX_MESSAGES_PER_SECOND: positiveNumber(20, 1, 10000),
  MIN_TURN_SECONDS: positiveNumber(10, 0.01, 120),
  AWAY_TURN_SECONDS: positiveNumber(3, 0.01, 120),
  STORE_HOLD_SECONDS: positiveNumber(3, 0.05, 60),
  NODE_APP_INSTANCE: positiveNumber(0, 0, 1000),
  TRUST_PROXY: optionalString.transform((v, ctx) => {
    const entries = v === null ? [] : v.split(",").map((p) => p.trim()).filter(Boolean);
    const bad = entries.find((p) => !isIpOrCidr(p));
    if (bad !== undefined) {
      ctx.addIssue({ code: "custom", message: `must be a comma-separated list of IPs or CIDRs like 10.0.0.1,10.1.0.0/16 (got "${bad}")` });
      return z.NEVER;
    }
    return entries;
  }),
  CODE_COOLDOWN_SECONDS: positiveNumber(600, 0, 604800),
  CODE_LOOKUP_LIMIT: positiveNumber(10, 1, 10000),
  CODE_LOOKUP_WINDOW_SECONDS: positiveNumber(60, 1, 86400),
  FLOOD_REJOIN_COOLDOWN_SECONDS: positiveNumber(60, 1, 86400),
  FLOOD_CUT_LIMIT: positiveNumber(3, 1, 1000),
  FLOOD_CUT_WINDOW_SECONDS: positiveNumber(300, 1, 86400),
  FLOOD_BLOCK_SECONDS: positiveNumber(600, 1, 86400),
  REPLAY_LIMIT: positiveNumber(30, 1, 100000),
  REPLAY_WINDOW_SECONDS: positiveNumber(60, 1, 86400),
  LEADERBOARD_CACHE_SECONDS: positiveNumber(5, 0, 3600),
  AUTH_JWT_SECRET: optionalString.superRefine((v, ctx) => {
    if (v !== null && v.length < MIN_JWT_SECRET_LENGTH) {
      ctx.addIssue({ code: "custom", message: `must be at least ${MIN_JWT_SECRET_LENGTH} characters (an HS256 key of 256 bits; got ${v.length})` });
    }
  }),
  AUTH_JWKS_FILE: optionalString.transform((v, ctx) => {
    if (v === null) return null;
    const jwks = readJwksFile(v);
    if (typeof jwks === "string") {
      ctx.addIssue({ code: "custom", message: jwks });
      return z.NEVER;
    }
    return jwks;
  }),
  AUTH_AUDIENCE: optionalString,
  AUTH_GUESTS: flag(),
  AUTH_GUEST_SECONDS: positiveNumber(3600, 60, 86400),
  PUBLIC_ADDRESS: optionalString.superRefine((v, ctx) => {
    if (v !== null && /^[a-z]+:\/\//i.test(v)) {
      ctx.addIssue({ code: "custom", message: `must be host:port or host/path without a scheme (got "${v}")` });
    }
  }),
});

/**
 * Reads `.env.<NODE_ENV>` and `.env` from `dir` into `env` (the convention of @colyseus/tools, read
 * here so that every setting sees them): a variable the environment already has wins over both
 * files, and `.env.<NODE_ENV>` wins over `.env`. Returns the names of the files it read.
 */
export function loadEnvFiles(dir: string = process.cwd(), env: Record<string, string | undefined> = process.env): string[] {
  const base = readEnvFile(dir, ".env");
  const nodeEnv = env.NODE_ENV ?? base?.NODE_ENV ?? "development";
  const files: Array<[string, Record<string, string> | null]> = [
    [`.env.${nodeEnv}`, /^[\w-]+$/.test(nodeEnv) ? readEnvFile(dir, `.env.${nodeEnv}`) : null],
    [".env", base],
  ];
  const read: string[] = [];
  for (const [name, values] of files) {
    if (!values) continue;
    read.push(name);
    for (const [key, value] of Object.entries(values)) if (env[key] === undefined) env[key] = value;
  }
  return read;
}

function readEnvFile(dir: string, name: string): Record<string, string> | null {
  const file = path.join(dir, name);
  if (!existsSync(file)) return null;
  try {
    return parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
  } catch (e) {
    throw new ConfigError(name, `cannot be read (${(e as Error).message})`);
  }
}

/** Parses an environment (process.env by default) into typed settings, or throws a ConfigError. */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0] ?? "environment"), issue.message);
  }
  const e = parsed.data;
  if (e.REDIS_URL !== null && e.PUBLIC_ADDRESS === null) {
    throw new ConfigError(
      "PUBLIC_ADDRESS",
      "must be set with REDIS_URL: it is where clients reach this process's rooms (e.g. 127.0.0.1:{port} on one machine, game.example.com:{port} behind a load balancer)",
    );
  }
  if (e.AUTH_GUESTS && e.AUTH_JWT_SECRET === null) {
    throw new ConfigError("AUTH_GUESTS", "needs AUTH_JWT_SECRET: guest tokens are signed with it (HS256)");
  }
  if (e.STALE_PROCESS_SECONDS <= e.HEARTBEAT_SECONDS) {
    throw new ConfigError("STALE_PROCESS_SECONDS", `must be larger than HEARTBEAT_SECONDS (${e.HEARTBEAT_SECONDS})`);
  }
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    mysqlUrl: e.MYSQL_URL,
    redisUrl: e.REDIS_URL,
    monitorUser: e.MONITOR_USER,
    monitorPassword: e.MONITOR_PASSWORD,
    metricsToken: e.METRICS_TOKEN,
    drainSeconds: e.DRAIN_SECONDS,
    allowedOrigins: e.ALLOWED_ORIGINS,
    reconnectSeconds: e.RECONNECT_SECONDS,
    pingSeconds: e.PING_SECONDS,
    restoreWaitSeconds: e.RESTORE_WAIT_SECONDS,
    heartbeatSeconds: e.HEARTBEAT_SECONDS,
    staleProcessSeconds: e.STALE_PROCESS_SECONDS,
    maxMessagesPerSecond: e.MAX_MESSAGES_PER_SECOND,
    minTurnSeconds: e.MIN_TURN_SECONDS,
    awayTurnSeconds: e.AWAY_TURN_SECONDS,
    storeHoldSeconds: e.STORE_HOLD_SECONDS,
    instance: Math.floor(e.NODE_APP_INSTANCE),
    publicAddress: e.PUBLIC_ADDRESS,
    trustProxy: e.TRUST_PROXY,
    codeCooldownSeconds: e.CODE_COOLDOWN_SECONDS,
    codeLookupLimit: Math.floor(e.CODE_LOOKUP_LIMIT),
    // whole seconds: the Redis limiter counts its window in seconds
    codeLookupWindowSeconds: Math.ceil(e.CODE_LOOKUP_WINDOW_SECONDS),
    floodRejoinCooldownSeconds: Math.ceil(e.FLOOD_REJOIN_COOLDOWN_SECONDS),
    floodCutLimit: Math.floor(e.FLOOD_CUT_LIMIT),
    floodCutWindowSeconds: Math.ceil(e.FLOOD_CUT_WINDOW_SECONDS),
    floodBlockSeconds: Math.ceil(e.FLOOD_BLOCK_SECONDS),
    replayLimit: Math.floor(e.REPLAY_LIMIT),
    replayWindowSeconds: Math.ceil(e.REPLAY_WINDOW_SECONDS),
    leaderboardCacheSeconds: e.LEADERBOARD_CACHE_SECONDS,
    authJwtSecret: e.AUTH_JWT_SECRET,
    authJwks: e.AUTH_JWKS_FILE,
    authAudience: e.AUTH_AUDIENCE,
    authGuests: e.AUTH_GUESTS,
    authGuestSeconds: Math.ceil(e.AUTH_GUEST_SECONDS),
  };
}

/** The port this process listens on: PORT, plus the PM2 instance number. */
export function listenPort(settings: Pick<Settings, "port" | "instance">): number {
  return settings.port + settings.instance;
}
