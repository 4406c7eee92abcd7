/** The MySQL store (MySQL 8.0 syntax that also runs on MariaDB 10.11), over a mysql2 connection pool. */
import mysql, { type Pool } from "mysql2/promise";
import type { Store, StoreHealth } from "../types.ts";
import { MySqlCodes } from "./codes.ts";
import { Db } from "./db.ts";
import { MySqlLogs } from "./logs.ts";
import { MySqlMatches } from "./matches.ts";
import { migrate } from "./migrate.ts";

export interface MySqlStoreOptions {
  url: string;
  staleProcessSeconds: number;
  /** How long a released join code is not handed out again (600 s unless set). */
  codeCooldownSeconds?: number;
  /** Draws a candidate join code (random unless a spec fixes the sequence). */
  drawCode?: () => string;
  /** How long a call waits for the database before it fails with StoreUnavailableError (default 3 s). */
  holdMs?: number;
  connectionLimit?: number;
}

export const DEFAULT_HOLD_MS = 3000;

export class MySqlStore implements Store {
  readonly kind = "mysql" as const;
  readonly codes: MySqlCodes;
  readonly matches: MySqlMatches;
  readonly logs: MySqlLogs;
  readonly pool: Pool;
  private readonly db: Db;

  constructor(options: MySqlStoreOptions) {
    const holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
    this.pool = mysql.createPool({
      uri: options.url,
      connectionLimit: options.connectionLimit ?? 10,
      waitForConnections: true,
      // a database that does not answer a connect is given up on within the hold time, then retried
      connectTimeout: Math.min(10_000, Math.max(100, holdMs)),
      timezone: "Z",
      dateStrings: false,
    });
    this.db = new Db(this.pool, holdMs);
    this.codes = new MySqlCodes(this.db, options.staleProcessSeconds, options);
    this.matches = new MySqlMatches(this.db);
    this.logs = new MySqlLogs(this.db);
  }

  async init(): Promise<void> {
    await migrate(this.pool);
  }

  async health(): Promise<StoreHealth> {
    try {
      // touches our own schema, so a dropped database or a missing migration counts as down
      await this.db.once("SELECT COUNT(*) FROM schema_migrations", [], 2000);
      return { kind: "mysql", ok: true };
    } catch (e) {
      return { kind: "mysql", ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.logs.stop();
    await this.pool.end();
  }
}
