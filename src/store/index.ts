/** Picks the store from the settings: MySQL when MYSQL_URL is set, the in-memory store otherwise. */
import type { Settings } from "../config.ts";
import { MemoryStore } from "./memory/index.ts";
import { MySqlStore } from "./mysql/index.ts";
import type { Store } from "./types.ts";

export type { Store } from "./types.ts";

export function createStore(settings: Pick<Settings, "mysqlUrl" | "staleProcessSeconds" | "storeHoldSeconds" | "codeCooldownSeconds">): Store {
  const { staleProcessSeconds, codeCooldownSeconds } = settings;
  return settings.mysqlUrl
    ? new MySqlStore({ url: settings.mysqlUrl, staleProcessSeconds, codeCooldownSeconds, holdMs: settings.storeHoldSeconds * 1000 })
    : new MemoryStore({ staleProcessSeconds, codeCooldownSeconds });
}
