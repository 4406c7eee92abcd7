/**
 * A throwaway MySQL database per spec file. Without a reachable server the MySQL specs are skipped
 * with a one-line reason, unless REQUIRE_MYSQL=1, where they fail.
 */
import mysql from "mysql2/promise";
import { randomBytes } from "node:crypto";

export const MYSQL_ADMIN_URL = process.env.MYSQL_TEST_URL ?? "mysql://root@127.0.0.1:3306/test";
export const REQUIRE_MYSQL = process.env.REQUIRE_MYSQL === "1";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

let reachable: Promise<string | null> | null = null;

/** null when the server answers, else why not. */
export function mysqlUnavailableReason(): Promise<string | null> {
  reachable ??= (async () => {
    try {
      const conn = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 2000 });
      await conn.query("SELECT 1");
      await conn.end();
      return null;
    } catch (e) {
      return `no MySQL server at ${MYSQL_ADMIN_URL.replace(/\/\/[^@]*@/, "//")} (${(e as Error).message})`;
    }
  })();
  return reachable;
}

/** Skips the calling suite (or fails it under REQUIRE_MYSQL=1) when MySQL is not reachable. */
export async function requireMysql(ctx: Mocha.Context): Promise<void> {
  const reason = await mysqlUnavailableReason();
  if (reason === null) return;
  if (REQUIRE_MYSQL) throw new Error(`REQUIRE_MYSQL=1 but ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `boardroom_test_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  await admin.end();
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const conn = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    },
  };
}

/**
 * A database for one suite: created in `setup` (skipped or failed as REQUIRE_MYSQL says when there
 * is no server), dropped in `teardown`.
 */
export function suiteDatabase() {
  let db: TestDatabase | null = null;
  return {
    async setup(ctx: Mocha.Context) {
      await requireMysql(ctx);
      db = await createTestDatabase();
    },
    url(): string {
      if (!db) throw new Error("the suite database is not set up");
      return db.url;
    },
    async teardown() {
      await db?.drop();
      db = null;
    },
  };
}
