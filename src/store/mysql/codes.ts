/**
 * Join codes and room ownership in MySQL. room_codes.process_id is the room's owner ("" = handed
 * over); a room whose log is open (room_logs.closed_at IS NULL) outlives its owner and waits in
 * room_codes for a process to claim it, instead of being swept with the owner's other codes.
 * Every code that leaves room_codes is first written to released_codes, and a code released less
 * than the cooldown ago is not reserved again (checked in the insert itself, so no race lets it by).
 */
import { CODE_ATTEMPTS, DEFAULT_CODE_COOLDOWN_SECONDS, randomCode } from "../codes.ts";
import { CodeSpaceExhaustedError, type CodeRecord, type RoomCodeStore } from "../types.ts";
import { isDuplicate, type Db } from "./db.ts";

interface CodeRow {
  code: string;
  roomId: string;
  processId: string;
}

const toRecord = (row: CodeRow): CodeRecord => ({ code: row.code, roomId: row.roomId, processId: row.processId });

export class MySqlCodes implements RoomCodeStore {
  private readonly staleMicros: number;
  private readonly cooldownMicros: number;
  private readonly drawCode: () => string;
  /** Processes this store has already registered: a room's create then costs one write, not two. */
  private readonly registered = new Set<string>();

  constructor(
    private readonly db: Db,
    staleProcessSeconds: number,
    options: { codeCooldownSeconds?: number; drawCode?: () => string } = {},
  ) {
    this.staleMicros = Math.round(staleProcessSeconds * 1_000_000);
    this.cooldownMicros = Math.round((options.codeCooldownSeconds ?? DEFAULT_CODE_COOLDOWN_SECONDS) * 1_000_000);
    this.drawCode = options.drawCode ?? randomCode;
  }

  /**
   * Starts the cooldown of the codes in room_codes `rc` that `where` picks (about to be deleted). A
   * plain read, then an insert: an INSERT ... SELECT would hold share locks on the rows it reads
   * (room_codes, room_logs, server_processes), in the way of appends and heartbeats.
   */
  private async coolDown(where: string, values: unknown[]): Promise<void> {
    const rows = await this.db.query<Array<{ code: string }>>(`SELECT rc.code FROM room_codes rc ${where}`, values);
    if (rows.length === 0) return;
    await this.db.query(
      `INSERT INTO released_codes (code, released_at) VALUES ${rows.map(() => "(?, NOW(3))").join(", ")}
       ON DUPLICATE KEY UPDATE released_at = NOW(3)`,
      rows.map((r) => r.code),
    );
  }

  async reserve(roomId: string, processId: string): Promise<string> {
    if (!this.registered.has(processId)) {
      await this.db.query(
        `INSERT INTO server_processes (process_id, heartbeat_at) VALUES (?, NOW(3))
         ON DUPLICATE KEY UPDATE process_id = process_id`,
        [processId],
      );
      this.registered.add(processId);
    }
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
      const code = this.drawCode();
      try {
        const inserted = await this.db.query<{ affectedRows: number }>(
          `INSERT INTO room_codes (code, room_id, process_id)
           SELECT ?, ?, ? FROM DUAL
            WHERE NOT EXISTS (SELECT 1 FROM released_codes WHERE code = ? AND released_at > NOW(3) - INTERVAL ? MICROSECOND)`,
          [code, roomId, processId, code, this.cooldownMicros],
        );
        if (inserted.affectedRows === 1) return code;
        // released too recently: draw another
      } catch (e) {
        if (!isDuplicate(e)) throw e;
        if (e.message.includes("uq_room_codes_room")) {
          // the room holds a code already (or a retried insert of this one landed)
          const rows = await this.db.query<Array<{ code: string }>>("SELECT code FROM room_codes WHERE room_id = ?", [roomId]);
          if (rows[0]) return rows[0].code;
        }
        // the code is taken: draw another
      }
    }
    throw new CodeSpaceExhaustedError(CODE_ATTEMPTS);
  }

  async release(roomId: string): Promise<void> {
    await this.coolDown("WHERE rc.room_id = ?", [roomId]);
    await this.db.query("DELETE FROM room_codes WHERE room_id = ?", [roomId]);
  }

  async resolve(code: string): Promise<CodeRecord | null> {
    const rows = await this.db.query<CodeRow[]>(
      `SELECT rc.code, rc.room_id AS roomId, rc.process_id AS processId
         FROM room_codes rc
         JOIN server_processes sp ON sp.process_id = rc.process_id
        WHERE rc.code = ? AND sp.heartbeat_at >= NOW(3) - INTERVAL ? MICROSECOND`,
      [code, this.staleMicros],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async heartbeat(processId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO server_processes (process_id, heartbeat_at) VALUES (?, NOW(3))
       ON DUPLICATE KEY UPDATE heartbeat_at = NOW(3)`,
      [processId],
    );
  }

  async register(processId: string, address: string): Promise<void> {
    // The latest process to register on an address takes over from the ones that were there.
    await this.db.query("UPDATE server_processes SET replaced_by = ? WHERE address = ? AND process_id <> ?", [processId, address, processId]);
    await this.db.query(
      `INSERT INTO server_processes (process_id, heartbeat_at, address) VALUES (?, NOW(3), ?)
       ON DUPLICATE KEY UPDATE heartbeat_at = NOW(3), address = ?, replaced_by = NULL`,
      [processId, address, address],
    );
    this.registered.add(processId);
  }

  async sweepStale(): Promise<number> {
    await this.coolDown(
      `LEFT JOIN server_processes sp ON sp.process_id = rc.process_id
       LEFT JOIN room_logs rl ON rl.room_id = rc.room_id AND rl.closed_at IS NULL
       WHERE (sp.process_id IS NULL OR sp.heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND)
         AND rl.room_id IS NULL`,
      [this.staleMicros],
    );
    const result = await this.db.query<{ affectedRows: number }>(
      `DELETE rc FROM room_codes rc
         LEFT JOIN server_processes sp ON sp.process_id = rc.process_id
         LEFT JOIN room_logs rl ON rl.room_id = rc.room_id AND rl.closed_at IS NULL
        WHERE (sp.process_id IS NULL OR sp.heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND)
          AND rl.room_id IS NULL`,
      [this.staleMicros],
    );
    await this.db.query("DELETE FROM server_processes WHERE heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND", [this.staleMicros]);
    await this.db.query("DELETE FROM released_codes WHERE released_at <= NOW(3) - INTERVAL ? MICROSECOND", [this.cooldownMicros]);
    return result.affectedRows;
  }

  async forgetProcess(processId: string): Promise<void> {
    this.registered.delete(processId);
    await this.coolDown("WHERE rc.process_id = ?", [processId]);
    await this.db.query("DELETE FROM room_codes WHERE process_id = ?", [processId]);
    await this.db.query("DELETE FROM server_processes WHERE process_id = ?", [processId]);
  }

  async orphans(address: string): Promise<CodeRecord[]> {
    const rows = await this.db.query<CodeRow[]>(
      `SELECT rc.code, rc.room_id AS roomId, rc.process_id AS processId
         FROM room_logs rl
         JOIN room_codes rc ON rc.room_id = rl.room_id
         LEFT JOIN server_processes sp ON sp.process_id = rc.process_id
        WHERE rl.closed_at IS NULL
          AND (sp.process_id IS NULL
               OR sp.heartbeat_at < NOW(3) - INTERVAL ? MICROSECOND
               OR (sp.address = ? AND sp.replaced_by IS NOT NULL))
        ORDER BY rl.opened_at, rl.room_id`,
      [this.staleMicros, address],
    );
    return rows.map(toRecord);
  }

  async claim(roomId: string, from: string, processId: string): Promise<boolean> {
    return this.db.held("claim", async (timeoutMs, retry) => {
      const result = await this.db.once<{ affectedRows: number }>(
        "UPDATE room_codes SET process_id = ? WHERE room_id = ? AND process_id = ?",
        [processId, roomId, from],
        timeoutMs,
      );
      if (result.affectedRows === 1) return true;
      if (retry === 0) return false;
      // An earlier attempt may have landed without its answer reaching us: the owner says.
      const rows = await this.db.once<Array<{ processId: string }>>(
        "SELECT process_id AS processId FROM room_codes WHERE room_id = ?",
        [roomId],
        timeoutMs,
      );
      return rows[0]?.processId === processId;
    });
  }

  async releaseProcess(processId: string): Promise<number> {
    this.registered.delete(processId);
    const handedOver = await this.db.query<{ affectedRows: number }>(
      `UPDATE room_codes SET process_id = ''
        WHERE process_id = ? AND room_id IN (SELECT room_id FROM room_logs WHERE closed_at IS NULL)`,
      [processId],
    );
    // rooms without an open log have nothing to be restored from
    await this.coolDown("WHERE rc.process_id = ?", [processId]);
    await this.db.query("DELETE FROM room_codes WHERE process_id = ?", [processId]);
    await this.db.query("DELETE FROM server_processes WHERE process_id = ?", [processId]);
    return handedOver.affectedRows;
  }

  async lookup(code: string): Promise<CodeRecord | null> {
    const rows = await this.db.query<CodeRow[]>(
      "SELECT code, room_id AS roomId, process_id AS processId FROM room_codes WHERE code = ?",
      [code],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async roomsOf(processId: string): Promise<string[]> {
    const rows = await this.db.query<Array<{ roomId: string }>>(
      "SELECT room_id AS roomId FROM room_codes WHERE process_id = ? ORDER BY room_id",
      [processId],
    );
    return rows.map((r) => r.roomId);
  }
}
