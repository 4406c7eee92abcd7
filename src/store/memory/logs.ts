/**
 * Room logs kept in this process (not durable: they die with it). The same answers as the MySQL
 * store: entries are kept as JSON text, a position that holds the same entry counts as written, and
 * another entry there refuses the whole append with LogConflictError.
 *
 * A closed room's log stays for its replays, but only the latest `closedKept` closed logs do: a
 * server without MySQL that runs for weeks would otherwise keep every game ever played in memory
 * (a 100-round game of five is ~1,100 entries). An older one reads as no log at all (its match's
 * replay is then 404, "has no stored log").
 */
import { parseRecord, sameEntry, serializeRecords } from "../records.ts";
import { LogConflictError, type LogRecord, type RoomLogStore } from "../types.ts";

interface RoomLog {
  closed: boolean;
  /** JSON text by position. */
  entries: Map<number, string>;
}

/** Closed room logs kept by default (the latest closed). */
export const CLOSED_LOGS_KEPT = 1000;

export class MemoryLogs implements RoomLogStore {
  readonly durable = false;
  private readonly logs = new Map<string, RoomLog>();
  /** Closed rooms, the earliest closed first. */
  private readonly closedOrder = new Set<string>();

  /** `holderOf`: the process holding a room's code now, for appends fenced by an owner. */
  constructor(
    private readonly holderOf: (roomId: string) => string | undefined = () => undefined,
    private readonly closedKept = CLOSED_LOGS_KEPT,
  ) {}

  async append(roomId: string, records: LogRecord[], owner?: string): Promise<void> {
    const rows = serializeRecords(roomId, records);
    if (rows.length === 0) return;
    if (owner !== undefined && this.holderOf(roomId) !== owner) throw new LogConflictError(roomId, rows[0].n);
    const log = this.logs.get(roomId) ?? { closed: false, entries: new Map<number, string>() };
    for (const row of rows) {
      const stored = log.entries.get(row.n);
      if (stored !== undefined && !sameEntry(stored, row.json)) throw new LogConflictError(roomId, row.n);
    }
    for (const row of rows) if (!log.entries.has(row.n)) log.entries.set(row.n, row.json);
    this.logs.set(roomId, log);
  }

  async read(roomId: string): Promise<LogRecord[]> {
    const entries = this.logs.get(roomId)?.entries ?? new Map<number, string>();
    return [...entries.keys()].sort((a, b) => a - b).map((n) => parseRecord(n, entries.get(n)!));
  }

  async lastN(roomId: string): Promise<number> {
    const entries = this.logs.get(roomId)?.entries;
    return entries && entries.size > 0 ? Math.max(...entries.keys()) : 0;
  }

  async close(roomId: string): Promise<void> {
    const log = this.logs.get(roomId) ?? { closed: true, entries: new Map<number, string>() };
    log.closed = true;
    this.logs.set(roomId, log);
    this.closedOrder.delete(roomId);
    this.closedOrder.add(roomId);
    for (const oldest of this.closedOrder) {
      if (this.closedOrder.size <= this.closedKept) break;
      this.closedOrder.delete(oldest);
      this.logs.delete(oldest);
    }
  }

  /** True while the room has a log that is not closed (its code is then kept for a claim). */
  isOpen(roomId: string): boolean {
    const log = this.logs.get(roomId);
    return log !== undefined && !log.closed;
  }
}
