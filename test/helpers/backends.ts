/** Runs an integration suite once per store: in-memory, and MySQL (skipped or required as REQUIRE_MYSQL says). */
import type { Settings } from "../../src/config.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "./mysql.ts";
import { startServer, type TestServer } from "./server.ts";

export interface Backend {
  name: "memory" | "mysql";
  /** Boots a server for this backend; the database (if any) lives until `release`. */
  start(ctx: Mocha.Context, overrides?: Partial<Settings>): Promise<TestServer>;
  release(): Promise<void>;
  mysqlUrl(): string | null;
}

export function backends(): Backend[] {
  let db: TestDatabase | null = null;
  return [
    {
      name: "memory",
      start: (_ctx, overrides) => startServer({ mysqlUrl: null, ...overrides }),
      release: async () => {},
      mysqlUrl: () => null,
    },
    {
      name: "mysql",
      async start(ctx, overrides) {
        await requireMysql(ctx);
        db ??= await createTestDatabase();
        return startServer({ mysqlUrl: db.url, ...overrides });
      },
      async release() {
        await db?.drop();
        db = null;
      },
      mysqlUrl: () => db?.url ?? null,
    },
  ];
}
