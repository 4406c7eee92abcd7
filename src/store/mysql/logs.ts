/**
 * Room logs in MySQL, written through a group committer shared by every room of the process: one
 * write is in flight at a time, and the appends that arrive meanwhile go out together in the next
 * multi-row INSERT, so many rooms share one commit and durability does not cost throughput.
 *
 * Each append resolves once its rows are committed. While the database is away the committer
 * retries with a short backoff; an append that is not committed within the hold time is rejected
 * with StoreUnavailableError (and so are the later appends of its room, which follow it). A
 * position that already holds the same entry counts as written (a retried write that had landed);
 * another entry there rejects that room's append with LogConflictError, not the whole batch.
 */
import { parseRecord, sameEntry, serializeRecords, type StoredRecord } from "../records.ts";
import { LogConflictError, StoreUnavailableError, type LogRecord, type RoomLogStore } from "../types.ts";
import { isDuplicate, isTransient, sleep, type Db, type Run } from "./db.ts";

/** A batch stops growing at this many rows or bytes of entries (far below max_allowed_packet). */
const MAX_BATCH_ROWS = 1000;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 200;

interface PendingAppend {
  /** Order of arrival. */
  seq: number;
  roomId: string;
  /** The process that must hold the room for the rows to be written (see RoomLogStore.append). */
  owner: string | undefined;
  /** The rows still to write (a reconciled retry drops those already stored). */
  rows: StoredRecord[];
  startedAt: number;
  timer: NodeJS.Timeout;
  settled: boolean;
  lastError: Error | null;
  resolve(): void;
  reject(e: Error): void;
}

/** What the committer has sent, for the tests and the operators: group commit in numbers. */
export interface CommitStats {
  /** append() calls that had rows to write. */
  appends: number;
  /** INSERT statements into room_log_entries sent to the database (a retry counts again). */
  inserts: number;
  /** Batches committed. */
  commits: number;
  /** Rows committed. */
  rows: number;
}

export class MySqlLogs implements RoomLogStore {
  readonly durable = true;
  readonly stats: CommitStats = { appends: 0, inserts: 0, commits: 0, rows: 0 };

  /** Waiting for the next write, in order of arrival. */
  private queue: PendingAppend[] = [];
  /** Every append not settled yet, queued or in the write in flight. */
  private readonly unsettled = new Set<PendingAppend>();
  private lastSeq = 0;
  /** The write in flight, and the rooms it carries (read() and lastN() wait for it). */
  private inFlight: { rooms: Set<string>; done: Promise<void> } | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly db: Db) {}

  append(roomId: string, records: LogRecord[], owner?: string): Promise<void> {
    let rows: StoredRecord[];
    try {
      rows = serializeRecords(roomId, records);
    } catch (e) {
      return Promise.reject(e);
    }
    if (rows.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error("the store is closed"));
    this.stats.appends++;
    return new Promise<void>((resolve, reject) => {
      const pending: PendingAppend = {
        seq: ++this.lastSeq,
        roomId,
        owner,
        rows,
        startedAt: Date.now(),
        settled: false,
        lastError: null,
        resolve,
        reject,
        timer: setTimeout(() => this.giveUp(pending), this.db.holdMs),
      };
      this.queue.push(pending);
      this.unsettled.add(pending);
      // after the current tick, so that the appends of one tick share the first write too
      this.running ??= Promise.resolve().then(() => this.run());
    });
  }

  async read(roomId: string): Promise<LogRecord[]> {
    await this.writeOf(roomId);
    const rows = await this.db.query<Array<{ n: number; entry: string }>>(
      "SELECT n, entry FROM room_log_entries WHERE room_id = ? ORDER BY n",
      [roomId],
    );
    return rows.map((r) => parseRecord(r.n, r.entry));
  }

  async lastN(roomId: string): Promise<number> {
    await this.writeOf(roomId);
    const rows = await this.db.query<Array<{ last: number | null }>>(
      "SELECT MAX(n) AS last FROM room_log_entries WHERE room_id = ?",
      [roomId],
    );
    return Number(rows[0]?.last ?? 0);
  }

  async close(roomId: string): Promise<void> {
    await this.db.query(
      `INSERT INTO room_logs (room_id, closed_at) VALUES (?, NOW(3))
       ON DUPLICATE KEY UPDATE closed_at = COALESCE(closed_at, NOW(3))`,
      [roomId],
    );
  }

  /** Stops taking appends and waits for those queued (each ends within the hold time). */
  async stop(): Promise<void> {
    this.closed = true;
    await this.running;
  }

  /**
   * An append rejected for the hold time may still be in the write in flight: the answer to "did it
   * land" is read only once that write has ended.
   */
  private async writeOf(roomId: string) {
    if (this.inFlight?.rooms.has(roomId)) await this.inFlight.done;
  }

  private settle(pending: PendingAppend, error: Error | null) {
    if (pending.settled) return;
    pending.settled = true;
    this.unsettled.delete(pending);
    clearTimeout(pending.timer);
    if (error === null) {
      pending.resolve();
      return;
    }
    pending.reject(error);
    // The room's later appends follow this one: written without it, they would leave a gap.
    for (const later of [...this.unsettled]) {
      if (later.roomId === pending.roomId && later.seq > pending.seq) {
        this.settle(later, new StoreUnavailableError(`room ${later.roomId}: entry ${pending.rows[0].n} before entry ${later.rows[0].n} was not written`));
      }
    }
  }

  private giveUp(pending: PendingAppend) {
    const detail = pending.lastError ? `: ${pending.lastError.message}` : "";
    this.settle(pending, new StoreUnavailableError(`room ${pending.roomId}: entry ${pending.rows[0].n} not committed within ${this.db.holdMs} ms${detail}`));
  }

  /** Writes batches until the queue is empty; one write at a time. */
  private async run() {
    let failures = 0;
    for (;;) {
      this.queue = this.queue.filter((p) => !p.settled);
      if (this.queue.length === 0) {
        // in the same tick as the check: an append arriving later starts the next run
        this.running = null;
        return;
      }
      const batch = this.takeBatch();
      let done!: () => void;
      this.inFlight = { rooms: new Set(batch.map((p) => p.roomId)), done: new Promise<void>((r) => (done = r)) };
      let retry: PendingAppend[];
      try {
        retry = await this.write(batch);
      } catch (e) {
        // a fault of the committer itself: nothing of the batch is known to be written
        for (const pending of batch) this.settle(pending, e as Error);
        retry = [];
      } finally {
        this.inFlight = null;
        done();
      }
      if (retry.length === 0) {
        failures = 0;
        continue;
      }
      // back to the front of the queue, in their order, ahead of what arrived meanwhile
      this.queue = [...retry, ...this.queue];
      await sleep(Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** failures++));
    }
  }

  private takeBatch(): PendingAppend[] {
    const batch: PendingAppend[] = [];
    let rows = 0;
    let bytes = 0;
    for (const pending of this.queue) {
      const size = pending.rows.reduce((sum, r) => sum + r.json.length, 0);
      if (batch.length > 0 && (rows + pending.rows.length > MAX_BATCH_ROWS || bytes + size > MAX_BATCH_BYTES)) break;
      batch.push(pending);
      rows += pending.rows.length;
      bytes += size;
    }
    this.queue = this.queue.slice(batch.length);
    return batch;
  }

  /**
   * Writes one batch and settles what it can; returns the appends to try again after a backoff
   * (the database was away). A batch that the database refuses for another reason than a duplicate
   * is written again one append at a time, so that only the append at fault fails.
   */
  private async write(batch: PendingAppend[]): Promise<PendingAppend[]> {
    const live = batch.filter((p) => !p.settled);
    if (live.length === 0) return [];
    try {
      const fenced = await this.insert(live);
      for (const pending of live) {
        this.settle(pending, fenced.has(pending) ? new LogConflictError(pending.roomId, pending.rows[0].n) : null);
      }
      this.stats.commits++;
      this.stats.rows += live.filter((p) => !fenced.has(p)).reduce((sum, p) => sum + p.rows.length, 0);
      return [];
    } catch (e) {
      if (isTransient(e)) {
        for (const pending of live) pending.lastError = e as Error;
        return live;
      }
      if (isDuplicate(e)) return this.reconcile(live, e);
      if (live.length === 1) {
        this.settle(live[0], e as Error);
        return [];
      }
      return this.writeEach(live);
    }
  }

  /** Writes appends one at a time; an append whose room has an earlier one to retry waits with it. */
  private async writeEach(appends: PendingAppend[]): Promise<PendingAppend[]> {
    const retry: PendingAppend[] = [];
    for (const pending of appends) {
      if (retry.some((earlier) => earlier.roomId === pending.roomId)) retry.push(pending);
      else retry.push(...(await this.write([pending])));
    }
    return retry;
  }

  /**
   * Some positions of the batch are stored already: appends whose stored entries are the same keep
   * only their missing rows (and are written again at once), the others fail with LogConflictError.
   */
  private async reconcile(batch: PendingAppend[], duplicate: Error): Promise<PendingAppend[]> {
    let stored: Array<{ roomId: string; n: number; entry: string }>;
    try {
      stored = await this.db.once(
        `SELECT room_id AS roomId, n, entry FROM room_log_entries WHERE ${batch.map(() => "(room_id = ? AND n BETWEEN ? AND ?)").join(" OR ")}`,
        batch.flatMap((p) => [p.roomId, p.rows[0].n, p.rows.at(-1)!.n]),
        this.attemptMs(batch),
      );
    } catch (e) {
      if (isTransient(e)) {
        for (const pending of batch) pending.lastError = e as Error;
        return batch;
      }
      for (const pending of batch) this.settle(pending, e as Error);
      return [];
    }
    const byKey = new Map(stored.map((r) => [`${r.roomId}\u0000${r.n}`, r.entry]));
    const again: PendingAppend[] = [];
    for (const pending of batch) {
      const conflict = pending.rows.find((r) => {
        const entry = byKey.get(`${pending.roomId}\u0000${r.n}`);
        return entry !== undefined && !sameEntry(entry, r.json);
      });
      if (conflict) {
        this.settle(pending, new LogConflictError(pending.roomId, conflict.n));
        continue;
      }
      const missing = pending.rows.filter((r) => !byKey.has(`${pending.roomId}\u0000${r.n}`));
      if (missing.length === 0) this.settle(pending, null);
      else if (!pending.settled) {
        pending.rows = missing;
        again.push(pending);
      }
    }
    if (again.length === 0) return [];
    if (stored.length === 0) {
      // Nothing of the batch reads back as stored: either two appends of the batch hold one position
      // (one at a time, the later meets the earlier's row), or the key compares otherwise than the read.
      if (again.length === 1) {
        this.settle(again[0], duplicate);
        return [];
      }
      return this.writeEach(again);
    }
    return this.write(again);
  }

  /** A write may take as long as the youngest append of the batch may still wait. */
  private attemptMs(batch: PendingAppend[]): number {
    const youngest = Math.max(...batch.map((p) => p.startedAt));
    return Math.max(100, youngest + this.db.holdMs - Date.now());
  }

  /**
   * One multi-row INSERT for the whole batch; a batch that opens logs (rows at position 1) also
   * creates their room_logs rows, in the same transaction. Appends with an owner are first checked
   * against room_codes with a share lock (a claim of one of those rooms waits for this commit, and a
   * claim that came first is seen): those whose room is held by another process are not written,
   * and are returned.
   */
  private async insert(batch: PendingAppend[]): Promise<Set<PendingAppend>> {
    const timeoutMs = this.attemptMs(batch);
    const owners = [...new Set(batch.flatMap((p) => (p.owner === undefined ? [] : [p.owner])))];
    const opening = [...new Set(batch.filter((p) => p.rows[0].n === 1).map((p) => p.roomId))];
    const writeRows = async (run: Run, rows: PendingAppend[]) => {
      if (rows.length === 0) return;
      this.stats.inserts++;
      await run("INSERT INTO room_log_entries (room_id, n, entry) VALUES ?", [rows.flatMap((p) => p.rows.map((r) => [p.roomId, r.n, r.json]))]);
    };
    if (owners.length === 0 && opening.length === 0) {
      await this.db.on(timeoutMs, (run) => writeRows(run, batch));
      return new Set();
    }
    return this.db.transaction(timeoutMs, async (run) => {
      const fenced = new Set<PendingAppend>();
      for (const owner of owners) {
        const mine = batch.filter((p) => p.owner === owner);
        const held = await run<Array<{ roomId: string }>>(
          "SELECT room_id AS roomId FROM room_codes WHERE process_id = ? AND room_id IN (?) LOCK IN SHARE MODE",
          [owner, [...new Set(mine.map((p) => p.roomId))]],
        );
        const heldIds = new Set(held.map((r) => r.roomId));
        for (const pending of mine) if (!heldIds.has(pending.roomId)) fenced.add(pending);
      }
      const written = batch.filter((p) => !fenced.has(p));
      const opened = opening.filter((roomId) => written.some((p) => p.roomId === roomId));
      if (opened.length > 0) await run("INSERT IGNORE INTO room_logs (room_id) VALUES ?", [opened.map((roomId) => [roomId])]);
      await writeRows(run, written);
      return fenced;
    });
  }
}
