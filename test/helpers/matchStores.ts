/**
 * The two stores the match specs (records, leaderboard) run the same contract against: the
 * in-memory store and the MySQL store in a database of the suite's own. Each `create` gives a store
 * holding no matches whose next match id is 1.
 */
import { MemoryStore } from "../../src/store/memory/index.ts";
import { MySqlStore } from "../../src/store/mysql/index.ts";
import type { Store } from "../../src/store/types.ts";
import { suiteDatabase } from "./mysql.ts";

export interface MatchStoreBackend {
  name: string;
  setup(ctx: Mocha.Context): Promise<void>;
  /** A store holding no matches, whose next match id is 1. */
  create(): Promise<Store>;
  teardown(): Promise<void>;
}

/** `connectionLimit`: the MySQL store's pool (1 shows a connection a call failed to release: the next call hangs). */
export function matchStoreBackends(options: { connectionLimit: number }): MatchStoreBackend[] {
  const memory: MatchStoreBackend = {
    name: "in-memory store",
    async setup() {},
    async create() {
      const store = new MemoryStore({ staleProcessSeconds: 30 });
      await store.init();
      return store;
    },
    async teardown() {},
  };
  const db = suiteDatabase();
  const mysql: MatchStoreBackend = {
    name: "MySQL store",
    setup: (ctx) => db.setup(ctx),
    async create() {
      const store = new MySqlStore({ url: db.url(), staleProcessSeconds: 30, connectionLimit: options.connectionLimit });
      await store.init();
      await store.pool.query("DELETE FROM matches");
      await store.pool.query("ALTER TABLE matches AUTO_INCREMENT = 1");
      return store;
    },
    teardown: () => db.teardown(),
  };
  return [memory, mysql];
}
