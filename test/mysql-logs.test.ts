/**
 * The MySQL log's steady-state write: the appends of one process for rooms it holds go out as one
 * INSERT ... SELECT that fences itself against room_codes. What would break if the fence were lost
 * (another process claimed the room before, or while, the append was on its way), and that the
 * common batch costs one statement.
 */
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { MySqlStore } from "../src/store/mysql/index.ts";
import { LogConflictError, type LogRecord } from "../src/store/types.ts";
import { suiteDatabase } from "./helpers/mysql.ts";

const entry = (n: number, note: string) => ({ t: "act", at: 1_700_000_000_000 + n, id: "seat-1", action: "roll", deadline: 0, note });
const records = (from: number, to: number, note: string): LogRecord[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ n: from + i, entry: entry(from + i, note) }));

/** Polls `probe` until it is true (a state of the server, not a timing): fails after `ms`. */
async function until(what: string, probe: () => Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`never saw: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A statement counter of the server for the session of a store whose pool holds one connection. */
async function sessionStatus(store: MySqlStore, name: string): Promise<number> {
  const [rows] = (await store.pool.query("SHOW SESSION STATUS LIKE ?", [name])) as any;
  return Number(rows[0].Value);
}

describe("MySQL store: the fenced log write of a running room", () => {
  const db = suiteDatabase();
  let observer: mysql.Pool;
  let a: MySqlStore;
  let b: MySqlStore;

  before(async function () {
    await db.setup(this);
    observer = mysql.createPool({ uri: db.url(), connectionLimit: 4 });
  });
  after(async () => {
    await observer?.end();
    await db.teardown();
  });
  beforeEach(async () => {
    // two processes on one database, each with its own store (and pool)
    a = new MySqlStore({ url: db.url(), staleProcessSeconds: 30, holdMs: 5000 });
    b = new MySqlStore({ url: db.url(), staleProcessSeconds: 30, holdMs: 5000 });
    await a.init();
    await b.init();
    await a.codes.register("process-a", "10.0.0.1:2567");
    await b.codes.register("process-b", "10.0.0.2:2567");
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  const stored = async (roomId: string) => {
    const [rows] = (await observer.query("SELECT n, entry FROM room_log_entries WHERE room_id = ? ORDER BY n", [roomId])) as any;
    return rows.map((r: { n: number; entry: string }) => ({ n: r.n, entry: JSON.parse(r.entry) }));
  };
  /** A room of process A with its log opened (entries 1 and 2 written by A). */
  const roomOfA = async (roomId: string) => {
    await a.codes.reserve(roomId, "process-a");
    await a.logs.append(roomId, records(1, 2, `${roomId} by a`), "process-a");
  };

  it("rejects A's append with LogConflictError and stores nothing of it once B has claimed the room", async () => {
    await roomOfA("taken");
    assert.equal(await b.codes.claim("taken", "process-a", "process-b"), true);
    await assert.rejects(a.logs.append("taken", records(3, 4, "taken by a"), "process-a"), LogConflictError);
    assert.deepEqual(await stored("taken"), records(1, 2, "taken by a"));
    // the position is B's to write
    await b.logs.append("taken", records(3, 3, "taken by b"), "process-b");
    assert.deepEqual(await stored("taken"), [...records(1, 2, "taken by a"), ...records(3, 3, "taken by b")]);
  });

  it("rejects an append of A that was on its way when B claimed the room, and writes the rooms A still holds in the same batch", async () => {
    await roomOfA("contested");
    await roomOfA("kept");
    const locker = await mysql.createConnection({ uri: db.url() });
    try {
      // A's write is sent and waits for the table, while B's claim (room_codes only) goes through.
      // (Written as a transaction with the fence read first, A's write would hold the room's row and
      // the claim would wait for A instead: also fenced, but not this spec's order.)
      await locker.query("LOCK TABLES room_log_entries WRITE");
      const appends = Promise.allSettled([
        a.logs.append("contested", records(3, 3, "contested by a"), "process-a"),
        a.logs.append("kept", records(3, 3, "kept by a"), "process-a"),
      ]);
      await until("A's INSERT waiting for the table", async () => {
        const [rows] = (await observer.query(
          "SELECT COUNT(*) AS waiting FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'INSERT INTO room_log_entries%'",
        )) as any;
        return Number(rows[0].waiting) > 0;
      });
      assert.equal(await b.codes.claim("contested", "process-a", "process-b"), true);
      await locker.query("UNLOCK TABLES");
      const [contested, kept] = await appends;
      assert.equal(contested.status, "rejected");
      assert.ok((contested as PromiseRejectedResult).reason instanceof LogConflictError);
      assert.equal(kept.status, "fulfilled");
    } finally {
      await locker.end();
    }
    assert.deepEqual(await stored("contested"), records(1, 2, "contested by a"));
    assert.deepEqual(await stored("kept"), records(1, 3, "kept by a"));
    assert.equal(await b.logs.lastN("contested"), 2, "the claimer restores from what A had written before");
  });

  it("makes A's append wait for a claim in progress, then rejects it, even at READ COMMITTED: the fence reads room_codes with a lock", async () => {
    await roomOfA("claiming");
    // A's sessions at READ COMMITTED, where an INSERT ... SELECT without a locking clause reads a snapshot
    const readCommitted = new MySqlStore({ url: db.url(), staleProcessSeconds: 30, holdMs: 5000 });
    readCommitted.pool.on("connection", (conn) => {
      (conn as unknown as { query(sql: string, cb: () => void): void }).query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", () => {});
    });
    const claimer = await mysql.createConnection({ uri: db.url() });
    try {
      // B's claim, held open between its UPDATE and its commit
      const claimerThread = claimer.threadId;
      await claimer.query("START TRANSACTION");
      await claimer.query("UPDATE room_codes SET process_id = 'process-b' WHERE room_id = 'claiming' AND process_id = 'process-a'");
      const appended = readCommitted.logs.append("claiming", records(3, 3, "claiming by a"), "process-a").then(
        () => "written",
        (e: Error) => e,
      );
      // a statement of A's reading room_codes, held up by the claim's row lock (its state may be a
      // lock wait or, for a row the optimizer reads as a constant, "Statistics")
      await until("A's write waiting for the claim's row lock", async () => {
        const [rows] = (await observer.query(
          `SELECT COUNT(*) AS waiting FROM information_schema.PROCESSLIST
            WHERE DB = DATABASE() AND ID <> ? AND COMMAND = 'Query' AND INFO LIKE '%room_codes%' AND INFO NOT LIKE '%PROCESSLIST%'`,
          [claimerThread],
        )) as any;
        return Number(rows[0].waiting) > 0;
      });
      await claimer.query("COMMIT");
      const outcome = await appended;
      assert.ok(outcome instanceof LogConflictError, `the append ${outcome instanceof Error ? `failed with ${outcome.message}` : "was written"}`);
      const [[level]] = (await readCommitted.pool.query("SELECT @@tx_isolation AS level")) as any;
      assert.equal(level.level, "READ-COMMITTED");
    } finally {
      await claimer.end();
      await readCommitted.close();
    }
    assert.deepEqual(await stored("claiming"), records(1, 2, "claiming by a"));
  });

  it("writes the appends of many rooms of one process as one statement, not a transaction", async () => {
    const rooms = Array.from({ length: 20 }, (_, i) => `steady-${i}`);
    // one connection, so that the server's session counters are the store's
    const single = new MySqlStore({ url: db.url(), staleProcessSeconds: 30, holdMs: 5000, connectionLimit: 1 });
    try {
      for (const room of rooms) {
        await single.codes.reserve(room, "process-a");
        await single.logs.append(room, records(1, 1, room), "process-a");
      }
      const before = { ...single.logs.stats };
      const [insertSelects, commits, begins] = await Promise.all(["Com_insert_select", "Com_commit", "Com_begin"].map((name) => sessionStatus(single, name)));
      // appended in one tick: one batch
      await Promise.all(rooms.map((room) => single.logs.append(room, records(2, 3, room), "process-a")));
      const stats = single.logs.stats;
      assert.equal(stats.appends - before.appends, rooms.length);
      assert.equal(stats.commits - before.commits, 1, "one batch");
      assert.equal(stats.statements - before.statements, 1, "one statement for the batch");
      assert.equal(stats.inserts - before.inserts, 1);
      assert.equal(stats.rows - before.rows, 2 * rooms.length);
      // the server's view: one INSERT ... SELECT, no transaction statements
      assert.equal((await sessionStatus(single, "Com_insert_select")) - insertSelects, 1);
      assert.equal((await sessionStatus(single, "Com_commit")) - commits, 0);
      assert.equal((await sessionStatus(single, "Com_begin")) - begins, 0);
    } finally {
      await single.close();
    }
    for (const room of rooms) assert.deepEqual(await stored(room), records(1, 3, room));
  });
});
