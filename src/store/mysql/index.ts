/** The MySQL store (MySQL 8.0 syntax that also runs on MariaDB 10.11), over a mysql2 connection pool. */
import mysql, { type Pool } from "mysql2/promise";
import { CODE_ATTEMPTS, randomCode } from "../codes.ts";
import { CodeSpaceExhaustedError, type CodeRecord, type RoomCodeStore, type Store, type StoreHealth } from "../types.ts";
import { MySqlMatches } from "./matches.ts";
import { migrate } from "./migrate.ts";

export interface MySqlStoreOptions {
  url: string;
  staleProcessSeconds: number;
  connectionLimit?: number;
}

const isDuplicate = (e: unknown): e is { code: string; message: string } =>
  typeof e === "object" && e !== null && (e as { code?: string }).code === "ER_DUP_ENTRY";

class MySqlCodes implements RoomCodeStore {
  private readonly staleMicros: number;

  constructor(private readonly pool: Pool, staleProcessSeconds: number) {
    this.staleMicros = Math.round(staleProcessSeconds * 1_000_000);
  }

  /** Processes this store has already registered: a room's create then costs one write, not two. */
  private readonly registered = new Set<string>();

  async reserve(roomId: string, processId: string): Promise<string> {
    if (!this.registered.has(processId)) {
      await this.pool.query(
        `INSERT INTO server_processes (process_id, heartbeat_at) VALUES (?, NOW(3))
         ON DUPLICATE KEY UPDATE process_id = process_id`,
        [processId],
      );
      this.registered.add(processId);
    }
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
      const code = randomCode();
      try {
        await this.pool.query("INSERT INTO room_codes (code, room_id, process_id) VALUES (?, ?, ?)", [code, roomId, processId]);
        return code;
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        if (e.message.includes("uq_room_codes_room")) {
          const [rows] = (await this.pool.query("SELECT code FROM room_codes WHERE room_id = ?", [roomId])) as any;
          if (rows[0]) return rows[0].code;
        }
        // the code is taken: draw another
      }
    }
    throw new CodeSpaceExhaustedError(CODE_ATTEMPTS);
  }

  async release(roomId: string): Promise<void> {
    await this.pool.query("DELETE FROM room_codes WHERE room_id = ?", [roomId]);
  }

  async resolve(code: string): Promise<CodeRecord | null> {
    const [rows] = (await this.pool.query(
      `SELECT rc.code, rc.room_id AS roomId, rc.process_id AS processId
         FROM room_codes rc
         JOIN server_processes sp ON sp.process_id = rc.process_id
        WHERE rc.code = ? AND sp.heartbeat_at >= NOW(3) - INTERVAL ? MICROSECOND`,
      [code, this.staleMicros],
    )) as any;
    return rows[0] ? { code: rows[0].code, roomId: rows[0].roomId, processId: rows[0].processId } : null;
  }

  async heartbeat(processId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO server_processes (process_id, heartbeat_at) VALUES (?, NOW(3))
       ON DUPLICATE KEY UPDATE heartbeat_at = NOW(3)`,
      [processId],
    );
  }

  async sweepStale(): Promise<number> {
    const [result] = (await this.pool.query(
      `DELETE rc FROM room_codes rc
         LEFT JOIN server_processes sp ON sp.process_id = rc.process_id
        WHERE sp.process_id IS NULL OR sp.heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND`,
      [this.staleMicros],
    )) as any;
    await this.pool.query("DELETE FROM server_processes WHERE heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND", [this.staleMicros]);
    return result.affectedRows as number;
  }

  async forgetProcess(processId: string): Promise<void> {
    this.registered.delete(processId);
    await this.pool.query("DELETE FROM room_codes WHERE process_id = ?", [processId]);
    await this.pool.query("DELETE FROM server_processes WHERE process_id = ?", [processId]);
  }
}

export class MySqlStore implements Store {
  readonly kind = "mysql" as const;
  readonly codes: MySqlCodes;
  readonly matches: MySqlMatches;
  readonly pool: Pool;

  constructor(options: MySqlStoreOptions) {
    this.pool = mysql.createPool({
      uri: options.url,
      connectionLimit: options.connectionLimit ?? 10,
      waitForConnections: true,
      timezone: "Z",
      dateStrings: false,
    });
    this.codes = new MySqlCodes(this.pool, options.staleProcessSeconds);
    this.matches = new MySqlMatches(this.pool);
  }

  async init(): Promise<void> {
    await migrate(this.pool);
  }

  async health(): Promise<StoreHealth> {
    try {
      // touches our own schema, so a dropped database or a missing migration counts as down
      await this.pool.query({ sql: "SELECT COUNT(*) FROM schema_migrations", timeout: 2000 });
      return { kind: "mysql", ok: true };
    } catch (e) {
      return { kind: "mysql", ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
