/**
 * The one server configuration: rooms, HTTP routes and middleware, built from typed settings
 * (src/index.ts passes the environment's, tests pass their own).
 */
import config from "@colyseus/tools";
import { LobbyRoom, defineRoom, matchMaker } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { Encoder } from "@colyseus/schema";
import { listenPort, type Settings } from "./src/config.ts";
import type { RedisDriver } from "@colyseus/redis-driver";
import { RedisPresence } from "@colyseus/redis-presence";
import { createStore } from "./src/store/index.ts";
import type { Store } from "./src/store/types.ts";
import { LeaderboardCache, withLeaderboardCache } from "./src/store/leaderboardCache.ts";
import { gameRoom } from "./src/rooms/GameRoom.ts";
import { guardMatchmakeBodies } from "./src/http/matchmakeBodies.ts";
import { sizeEncoderBuffers } from "./src/schema/size.ts";
import { explainMatchmakeErrors } from "./src/rooms/matchmakeErrors.ts";
import { routeQuickPlay } from "./src/rooms/quickPlay.ts";
import { GAME_ROOM, roomsRouter } from "./src/http/rooms.ts";
import { Drain, healthRouter } from "./src/http/health.ts";
import { matchesRouter } from "./src/http/matches.ts";
import { leaderboardRouter } from "./src/http/leaderboard.ts";
import { boardRouter } from "./src/http/board.ts";
import { clientRouter } from "./src/http/client.ts";
import { applyMatchmakeCors, corsMiddleware, originPolicyWarning, refuseForeignUpgrades } from "./src/http/cors.ts";
import { lookupThrottle } from "./src/http/throttle.ts";
import { floodGuard } from "./src/http/floods.ts";
import { replayLimit } from "./src/http/replayLimit.ts";
import { failures, jsonBody, notFound } from "./src/http/failures.ts";
import { securityHeaders, securityHeadersOutsideExpress } from "./src/http/headers.ts";
import { mountTools } from "./src/http/monitor.ts";
import { Housekeeping } from "./src/services.ts";
import { Restorer } from "./src/rooms/restore.ts";
import { OpenRoomsDriver } from "./src/rooms/openRoomsDriver.ts";
import { IndexedLocalDriver } from "./src/rooms/localDriver.ts";
import { rejoinRouter } from "./src/http/rejoin.ts";
import { metricsRouter } from "./src/http/metrics.ts";
import { playerTokens } from "./src/auth/tokens.ts";
import { authRouter, refuseUnauthenticatedUpgrades, requirePlayer } from "./src/auth/http.ts";
import { Metrics } from "./src/metrics.ts";
import { hostname } from "node:os";

const MAX_FRAME_BYTES = 64 * 1024;

// Each room's serializer keeps two or three encode buffers of this size. A full game state encodes
// to about 1 KB (test/schema.test.ts), so 4 KB instead of the 16 KB default saves ~36 KB per room;
// the encoder grows a buffer that runs short.
Encoder.BUFFER_SIZE = 4 * 1024;

/** PUBLIC_ADDRESS with `{port}` replaced by this process's port. */
function publicAddressOf(settings: Settings): string | undefined {
  return settings.publicAddress?.replaceAll("{port}", String(listenPort(settings)));
}

/**
 * Where clients reach this process: its PUBLIC_ADDRESS, else host:port. A process that starts on an
 * address takes over the rooms its predecessor there left (it cannot still be running).
 */
export function processAddress(settings: Settings): string {
  return publicAddressOf(settings) ?? `${hostname()}:${listenPort(settings)}`;
}

/**
 * The driver's Redis client has no error listener, so ioredis prints "Unhandled error event" and a
 * stack on every reconnect attempt while Redis is away. The outage is reported once by the relister
 * (src/rooms/relist.ts) and by /health; the client reconnects by itself.
 */
function quietDriver(driver: RedisDriver): RedisDriver {
  (driver as unknown as { _client: { on(event: "error", listener: () => void): void } })._client.on("error", () => {});
  return driver;
}

/** With REDIS_URL, processes share presence (pub/sub) and the room cache, so any of them lists and matches every room. */
function scaleOut(settings: Settings) {
  if (!settings.redisUrl) return { driver: new IndexedLocalDriver() };
  return {
    presence: new RedisPresence(settings.redisUrl),
    driver: quietDriver(new OpenRoomsDriver(settings.redisUrl)),
    publicAddress: publicAddressOf(settings),
    selectProcessIdToCreateRoom: leastLoadedPreferringLocal,
  };
}

/**
 * Colyseus's default sends a room to the process with the fewest rooms; in a burst every request
 * sees the same counts and they all land on one process. Ties go to the process that took the
 * request instead, so the load balancer's spread is kept.
 */
async function leastLoadedPreferringLocal(): Promise<string> {
  const all = await matchMaker.stats.fetchAll();
  const fewest = Math.min(...all.map((p) => p.roomCount));
  const local = all.find((p) => p.processId === matchMaker.processId);
  if (!local || local.roomCount <= fewest) return matchMaker.processId;
  return all.find((p) => p.roomCount === fewest)!.processId;
}

/** The start's line about player tokens. */
function tokensLine(settings: Settings): string {
  const kinds = [settings.authJwtSecret ? "HS256 (AUTH_JWT_SECRET)" : null, settings.authJwks ? `RS256/ES256 (AUTH_JWKS_FILE, ${settings.authJwks.keys.length} key(s))` : null].filter(Boolean);
  if (kinds.length === 0) return "player tokens: off (anyone may join under any name; set AUTH_JWT_SECRET or AUTH_JWKS_FILE to require them)";
  const audience = settings.authAudience ? `, audience ${settings.authAudience}` : "";
  return `player tokens: required, ${kinds.join(" or ")}${audience}; guest tokens ${settings.authGuests ? "on (POST /auth/guest)" : "off"}`;
}

/**
 * The live listing is public, as GET /rooms is. Its own onAuth keeps the default that
 * @colyseus/auth installs on import (the playground imports it) from decoding a player token the
 * SDK sends with every join, and refusing the lobby for a token it cannot verify.
 */
class PublicLobby extends LobbyRoom {
  static override async onAuth() {
    return true;
  }
}

export interface ServerParts {
  settings: Settings;
  /** The store with its matches behind `leaderboard`. */
  store: Store;
  leaderboard: LeaderboardCache;
  housekeeping: Housekeeping;
  restorer: Restorer;
  metrics: Metrics;
  log: (line: string) => void;
}

export function createServerConfig(
  settings: Settings,
  // clientDist: a client build other than client/dist (the specs serve one built into a temporary directory)
  options: { store?: Store; log?: (line: string) => void; clientDist?: string } = {},
) {
  const log = options.log ?? ((line: string) => console.log(line));
  // before any room is made: every room holds two or three encoder buffers of this size
  sizeEncoderBuffers();
  const storeItself = options.store ?? createStore(settings);
  const metrics = new Metrics();
  const drain = new Drain(settings.drainSeconds);
  metrics.watchStore(storeItself);
  // the rooms record finished matches through the cache, which drops the leaderboard's answers then
  const leaderboard = new LeaderboardCache(storeItself.matches, settings.leaderboardCacheSeconds * 1000);
  const store = withLeaderboardCache(storeItself, leaderboard);
  const restorer = new Restorer(store, GAME_ROOM, processAddress(settings), log, metrics);
  const housekeeping = new Housekeeping(store, settings, restorer, processAddress(settings), log);
  const parts: ServerParts = { settings, store, leaderboard, housekeeping, restorer, metrics, log };

  const scale = scaleOut(settings);
  // join-code guesses are counted in Redis (shared by every process) when there is one
  const throttle = lookupThrottle(settings, "presence" in scale ? scale.presence : undefined);
  const floods = floodGuard(settings, "presence" in scale ? scale.presence : undefined, metrics);
  const tokens = playerTokens(settings);
  const foreignUpgrades = refuseForeignUpgrades(settings.allowedOrigins);
  const unauthenticatedUpgrades = refuseUnauthenticatedUpgrades(tokens);

  const serverConfig = config({
    options: {
      gracefullyShutdown: true,
      ...scale,
    },

    // Frames up to 64 KiB are decoded so an oversized chat line is refused with an error
    // instead of dropping the connection; anything larger is a protocol violation.
    initializeTransport: (options) => {
      if (options.server) guardMatchmakeBodies(options.server);
      return new WebSocketTransport({ ...options, maxPayload: MAX_FRAME_BYTES, pingInterval: settings.pingSeconds * 1000, pingMaxRetries: 2, beforeUpgrade: async (request, context) => (await foreignUpgrades(request, context)) ?? unauthenticatedUpgrades(request, context) });
    },

    rooms: {
      [GAME_ROOM]: defineRoom(gameRoom({ store, settings, log, metrics, floods, tokens })).enableRealtimeListing(),
      lobby: defineRoom(PublicLobby),
    },

    initializeExpress: (app) => {
      app.disable("x-powered-by");
      app.use(securityHeaders());
      app.use(corsMiddleware(settings.allowedOrigins));
      app.use(metrics.countRateLimits);
      app.use(jsonBody());
      app.use(roomsRouter(store, throttle));
      // every answer of a rejoin, by status, whichever router gives it (throttle included)
      app.post("/rooms/:code/rejoin", metrics.countRejoin);
      // with player tokens on, a rejoin needs one too (the room checks that the seat is its identity's)
      app.post("/rooms/:code/rejoin", requirePlayer(tokens));
      app.use(rejoinRouter(store, restorer, throttle, floods));
      app.use(authRouter(tokens, settings, "presence" in scale ? scale.presence : undefined));
      app.use(healthRouter(store, { redis: settings.redisUrl !== null, drain }));
      app.use(metricsRouter(metrics, settings.metricsToken));
      app.use(matchesRouter(store, { limit: replayLimit(settings, "presence" in scale ? scale.presence : undefined), log }));
      app.use(leaderboardRouter(store));
      app.use(boardRouter());
      mountTools(app, settings, log);
      app.use(clientRouter({ distDir: options.clientDist, log }));
      app.use(notFound());
      app.use(failures(log));
    },

    initializeGameServer: (gameServer) => {
      securityHeadersOutsideExpress(gameServer.transport.server);
      floods.watch(gameServer.transport);
      floods.guardMatchmaking(gameServer.transport.server);
      // quick play first, so the origin check below runs before it
      routeQuickPlay(GAME_ROOM);
      applyMatchmakeCors(settings.allowedOrigins);
      explainMatchmakeErrors(GAME_ROOM, tokens);
      gameServer.onBeforeShutdown(() => drain.begin());
    },

    beforeListen: async () => {
      await housekeeping.start();
      const originWarning = originPolicyWarning(settings);
      if (originWarning) log(originWarning);
      log(
        store.kind === "mysql"
          ? "store: MySQL (MYSQL_URL): rooms outlive this process (restored after a crash or a deploy)"
          : "store: in-memory (MYSQL_URL is unset: join codes and games live in this process only and end with it)",
      );
      log(tokensLine(settings));
      log(settings.redisUrl ? `scale-out: Redis presence and driver (REDIS_URL), public address ${publicAddressOf(settings) ?? "as requested by each client"}` : "scale-out: off (single process; set REDIS_URL to share rooms between processes)");
    },
  });

  return { config: serverConfig, parts };
}

