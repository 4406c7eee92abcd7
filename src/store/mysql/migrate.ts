/**
 * Applies src/store/migrations/*.sql in name order, each at most once, recorded in schema_migrations.
 * A named lock keeps two processes starting at once from applying the same file twice.
 */
import { readdir, readFile } from "node:fs/promises";
import type { Pool, RowDataPacket } from "mysql2/promise";

const MIGRATIONS_DIR = new URL("../migrations/", import.meta.url);
const LOCK_NAME = "boardroom_migrations";

interface LockRow extends RowDataPacket {
  got: number | null;
}

interface MigrationRow extends RowDataPacket {
  name: string;
}

/** Splits a migration file into statements (files hold plain DDL/DML: no procedures, no `;` in strings). */
function statements(sql: string): string[] {
  return sql
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n")
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function migrate(pool: Pool): Promise<string[]> {
  const conn = await pool.getConnection();
  try {
    const [[lock]] = await conn.query<LockRow[]>("SELECT GET_LOCK(?, 30) AS got", [LOCK_NAME]);
    if (lock.got !== 1) throw new Error("could not take the migration lock within 30 s");
    try {
      await conn.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name VARCHAR(191) NOT NULL PRIMARY KEY,
           applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
         ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
      );
      const [rows] = await conn.query<MigrationRow[]>("SELECT name FROM schema_migrations");
      const done = new Set(rows.map((r) => r.name));
      const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith(".sql")).sort();
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file)) continue;
        const sql = await readFile(new URL(file, MIGRATIONS_DIR), "utf8");
        for (const statement of statements(sql)) await conn.query(statement);
        await conn.query("INSERT INTO schema_migrations (name) VALUES (?)", [file]);
        applied.push(file);
      }
      return applied;
    } finally {
      await conn.query("SELECT RELEASE_LOCK(?)", [LOCK_NAME]);
    }
  } finally {
    conn.release();
  }
}
