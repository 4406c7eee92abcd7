/**
 * Server processes (the production start, test/helpers/process.ts) on a MySQL database of each
 * test's own: rooms that one test's processes leave behind are not the next test's orphans. After
 * each test every process still running is SIGKILLed and the database dropped. Skips the suite
 * without MySQL (test/helpers/mysql.ts).
 */
import { createTestDatabase, requireMysql, type TestDatabase } from "./mysql.ts";
import { startProcess, type ServerProcess } from "./process.ts";

export interface Fleet {
  /** This test's database. */
  readonly db: TestDatabase;
  /** A server process on this test's database with `env` (over the fleet's own), on `port` for a restart in place. */
  start(env?: Record<string, string>, port?: number): Promise<ServerProcess>;
}

/** `env`: what every process of the fleet runs with (short timers), besides MYSQL_URL. */
export function processesPerTest(env: Record<string, string> = {}): Fleet {
  let db: TestDatabase | null = null;
  const servers: ServerProcess[] = [];
  beforeEach(async function () {
    await requireMysql(this);
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop("SIGKILL")));
    await db?.drop();
    db = null;
  });
  return {
    get db() {
      if (!db) throw new Error("the fleet's database exists only within a test");
      return db;
    },
    async start(extra = {}, port) {
      const server = await startProcess({ MYSQL_URL: this.db.url, ...env, ...extra }, { port });
      servers.push(server);
      return server;
    },
  };
}
