/**
 * The one server configuration: rooms, HTTP routes and middleware, built from typed settings
 * (src/index.ts passes the environment's, tests pass their own).
 */
import express from "express";
import config from "@colyseus/tools";
import { LobbyRoom, defineRoom } from "@colyseus/core";
import type { Settings } from "./src/config.ts";
import { createStore } from "./src/store/index.ts";
import type { Store } from "./src/store/types.ts";
import { gameRoom } from "./src/rooms/GameRoom.ts";
import { explainMatchmakeErrors } from "./src/rooms/matchmakeErrors.ts";
import { GAME_ROOM, roomsRouter } from "./src/http/rooms.ts";
import { healthRouter } from "./src/http/health.ts";
import { applyMatchmakeCors, corsMiddleware } from "./src/http/cors.ts";
import { mountTools } from "./src/http/monitor.ts";
import { Housekeeping } from "./src/services.ts";

export interface ServerParts {
  settings: Settings;
  store: Store;
  housekeeping: Housekeeping;
  log: (line: string) => void;
}

export function createServerConfig(settings: Settings, options: { store?: Store; log?: (line: string) => void } = {}) {
  const log = options.log ?? ((line: string) => console.log(line));
  const store = options.store ?? createStore(settings);
  const housekeeping = new Housekeeping(store, settings, log);
  const parts: ServerParts = { settings, store, housekeeping, log };

  const serverConfig = config({
    options: {
      gracefullyShutdown: true,
    },

    rooms: {
      [GAME_ROOM]: defineRoom(gameRoom({ store, settings, log })).enableRealtimeListing(),
      lobby: defineRoom(LobbyRoom),
    },

    initializeExpress: (app) => {
      app.disable("x-powered-by");
      app.use(corsMiddleware(settings.allowedOrigins));
      app.use(express.json({ limit: "16kb" }));
      app.use(roomsRouter(store));
      app.use(healthRouter(store));
      mountTools(app, settings, log);
    },

    initializeGameServer: () => {
      applyMatchmakeCors(settings.allowedOrigins);
      explainMatchmakeErrors(GAME_ROOM);
    },

    beforeListen: async () => {
      await housekeeping.start();
      log(
        store.kind === "mysql"
          ? "store: MySQL (MYSQL_URL)"
          : "store: in-memory (MYSQL_URL is unset: join codes live in this process only)",
      );
    },
  });

  return { config: serverConfig, parts };
}

