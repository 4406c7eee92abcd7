/**
 * Room logs in MySQL, written through a group committer shared by every room of the process: one
 * write is in flight at a time, and the appends that arrive meanwhile go out together in the next
 * multi-row INSERT, so many rooms share one commit and durability does not cost throughput.
 *
 * A batch of one owner's appends that opens no log is one autocommit statement, fenced in itself
 * (see insertFenced); a batch that opens logs or carries several owners is a transaction, and one
 * without owners a plain INSERT. Each append resolves once its rows are committed. While the
 * database is away the committer retries with a short backoff; an append that is not committed
 * within the hold time is rejected with StoreUnavailableError (and so are the later appends of its
 * room, which follow it). A position that already holds the same entry counts as written (a retried
 * write that had landed); another entry there rejects that room's append with LogConflictError, not
 * the whole batch.
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
  /** Every statement sent for the writes (START TRANSACTION, fence reads, COMMIT, read-backs...): round trips. */
  statements: number;
}

export class MySqlLogs implements RoomLogStore {
  readonly durable = true;
  readonly stats: CommitStats = { appends: 0, inserts: 0, commits: 0, rows: 0, statements: 0 };

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
    let stored: StoredEntries;
    try {
      stored = await this.storedAt(batch, this.attemptMs(batch));
    } catch (e) {
      if (isTransient(e)) {
        for (const pending of batch) pending.lastError = e as Error;
        return batch;
      }
      for (const pending of batch) this.settle(pending, e as Error);
      return [];
    }
    const again: PendingAppend[] = [];
    for (const pending of batch) {
      const conflict = pending.rows.find((r) => {
        const entry = stored.get(positionKey(pending.roomId, r.n));
        return entry !== undefined && !sameEntry(entry, r.json);
      });
      if (conflict) {
        this.settle(pending, new LogConflictError(pending.roomId, conflict.n));
        continue;
      }
      const missing = pending.rows.filter((r) => !stored.has(positionKey(pending.roomId, r.n)));
      if (missing.length === 0) this.settle(pending, null);
      else if (!pending.settled) {
        pending.rows = missing;
        again.push(pending);
      }
    }
    if (again.length === 0) return [];
    if (stored.size === 0) {
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

  /** The entries stored at the positions of `batch`'s rows, by positionKey. */
  private async storedAt(batch: PendingAppend[], timeoutMs: number): Promise<StoredEntries> {
    this.stats.statements++;
    const rows = await this.db.once<Array<{ roomId: string; n: number; entry: string }>>(
      `SELECT room_id AS roomId, n, entry FROM room_log_entries WHERE ${batch.map(() => "(room_id = ? AND n BETWEEN ? AND ?)").join(" OR ")}`,
      batch.flatMap((p) => [p.roomId, p.rows[0].n, p.rows.at(-1)!.n]),
      timeoutMs,
    );
    return new Map(rows.map((r) => [positionKey(r.roomId, r.n), r.entry]));
  }

  /** A write may take as long as the youngest append of the batch may still wait. */
  private attemptMs(batch: PendingAppend[]): number {
    const youngest = Math.max(...batch.map((p) => p.startedAt));
    return Math.max(100, youngest + this.db.holdMs - Date.now());
  }

  /**
   * One multi-row INSERT for the whole batch. Appends with an owner are written only while their
   * owner holds the room in room_codes, read with a share lock (a claim of one of those rooms waits
   * for this commit, and a claim that came first is seen): those whose room is held by another
   * process are not written, and are returned. The common batch (one owner, no log opened) is one
   * statement (insertFenced); a batch that opens logs (rows at position 1) also creates their
   * room_logs rows, in a transaction with the fence read and the INSERT.
   */
  private async insert(batch: PendingAppend[]): Promise<Set<PendingAppend>> {
    const timeoutMs = this.attemptMs(batch);
    const owners = [...new Set(batch.flatMap((p) => (p.owner === undefined ? [] : [p.owner])))];
    const opening = [...new Set(batch.filter((p) => p.rows[0].n === 1).map((p) => p.roomId))];
    if (opening.length === 0 && owners.length === 1 && batch.every((p) => p.owner !== undefined)) {
      return this.insertFenced(batch, owners[0], timeoutMs);
    }
    const writeRows = async (run: Run, rows: PendingAppend[]) => {
      if (rows.length === 0) return;
      this.stats.inserts++;
      this.stats.statements++;
      await run("INSERT INTO room_log_entries (room_id, n, entry) VALUES ?", [rows.flatMap((p) => p.rows.map((r) => [p.roomId, r.n, r.json]))]);
    };
    if (owners.length === 0 && opening.length === 0) {
      await this.db.on(timeoutMs, (run) => writeRows(run, batch));
      return new Set();
    }
    // START TRANSACTION and COMMIT (or ROLLBACK)
    this.stats.statements += 2;
    return this.db.transaction(timeoutMs, async (run) => {
      const fenced = new Set<PendingAppend>();
      for (const owner of owners) {
        const mine = batch.filter((p) => p.owner === owner);
        this.stats.statements++;
        const held = await run<Array<{ roomId: string }>>(
          "SELECT room_id AS roomId FROM room_codes WHERE process_id = ? AND room_id IN (?) LOCK IN SHARE MODE",
          [owner, [...new Set(mine.map((p) => p.roomId))]],
        );
        const heldIds = new Set(held.map((r) => r.roomId));
        for (const pending of mine) if (!heldIds.has(pending.roomId)) fenced.add(pending);
      }
      const written = batch.filter((p) => !fenced.has(p));
      const opened = opening.filter((roomId) => written.some((p) => p.roomId === roomId));
      if (opened.length > 0) {
        this.stats.statements++;
        await run("INSERT IGNORE INTO room_logs (room_id) VALUES ?", [opened.map((roomId) => [roomId])]);
      }
      await writeRows(run, written);
      return fenced;
    });
  }

  /**
   * The batch of one owner, opening no log, as one autocommit statement that fences itself: its rows
   * are joined to the owner's room_codes rows, read with a share lock, so a room held by another
   * process gets no rows, a claim of a room that came first is seen, and a later claim waits for
   * this statement to commit, as the fence read of the transaction did. Checked on MariaDB 10.11
   * (two sessions, the INSERT held open in a transaction): the rooms' room_codes rows are share-
   * locked (an UPDATE of them waits, other rooms' not), and an uncommitted claim makes the INSERT
   * wait and then write nothing for that room. The explicit LOCK IN SHARE MODE is what makes it hold
   * at any isolation level: without it the read locks only under REPEATABLE READ (the default of
   * both servers) and is a plain consistent read under READ COMMITTED (checked too; the MySQL 8.0
   * manual, "Locks Set by Different SQL Statements in InnoDB", says the same of INSERT ... SELECT),
   * and MySQL 8.0's grammar takes a locking clause in INSERT ... SELECT as MariaDB's does. The
   * rows come as a UNION ALL of selects (no VALUES ROW() table: it differs between the two); their
   * literals keep their coercibility through the derived table (COERCIBILITY() says 4), so the
   * join compares with room_codes' collation and reads uq_room_codes_room (EXPLAIN: eq_ref;
   * STRAIGHT_JOIN keeps the rows as the outer table, so only the batch's rooms are locked).
   *
   * Fewer rows than sent means that some rooms were not ours: which, the stored rows say (an
   * append's rows are all written or none, since they join the same room_codes row). An append
   * whose rows read back as its own was written; the others are fenced.
   */
  private async insertFenced(batch: PendingAppend[], owner: string, timeoutMs: number): Promise<Set<PendingAppend>> {
    const values: unknown[] = [];
    for (const pending of batch) for (const r of pending.rows) values.push(pending.roomId, r.n, r.json);
    const sent = values.length / 3;
    values.push(owner);
    this.stats.inserts++;
    this.stats.statements++;
    const result = await this.db.once<{ affectedRows: number }>(
      `INSERT INTO room_log_entries (room_id, n, entry)
       SELECT d.room_id, d.n, d.entry
         FROM (SELECT ? AS room_id, ? AS n, ? AS entry${" UNION ALL SELECT ?, ?, ?".repeat(sent - 1)}) AS d
         STRAIGHT_JOIN room_codes rc ON rc.room_id = d.room_id AND rc.process_id = ?
       LOCK IN SHARE MODE`,
      values,
      timeoutMs,
    );
    if (result.affectedRows === sent) return new Set();
    const stored = await this.storedAt(batch, this.attemptMs(batch));
    const written = (p: PendingAppend) =>
      p.rows.every((r) => {
        const entry = stored.get(positionKey(p.roomId, r.n));
        return entry !== undefined && sameEntry(entry, r.json);
      });
    return new Set(batch.filter((p) => !written(p)));
  }
}

type StoredEntries = Map<string, string>;
const positionKey = (roomId: string, n: number) => `${roomId}\u0000${n}`;
