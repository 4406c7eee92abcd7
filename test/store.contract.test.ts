/**
 * The same contract for both stores: what rooms and routes may rely on. Then what only MySQL can
 * show: group commit, commit before resolve, claims from two processes, and outages through a proxy
 * that cuts the network between the store and the database.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import mysql from "mysql2/promise";
import { MemoryStore } from "../src/store/memory/index.ts";
import { MySqlStore } from "../src/store/mysql/index.ts";
import { LogConflictError, StoreUnavailableError, type LogRecord, type Store } from "../src/store/types.ts";
import { MYSQL_ADMIN_URL, suiteDatabase } from "./helpers/mysql.ts";
import { TcpProxy, type CutMode } from "./helpers/tcpProxy.ts";

/** A short join-code cooldown and a fixed sequence of drawn codes, for the cooldown specs. */
interface CodeOptions {
  codeCooldownSeconds?: number;
  drawCode?: () => string;
}

interface Backend {
  name: string;
  durable: boolean;
  setup(ctx: Mocha.Context): Promise<void>;
  create(options?: CodeOptions): Store;
  /** Makes every released code look released `seconds` earlier. */
  ageReleases(store: Store, seconds: number): Promise<void>;
  /** Makes a process look silent for longer than the stale limit. */
  silence(store: Store, processId: string): Promise<void>;
  /** Forgets what earlier specs left (the MySQL database outlives a store). */
  reset(): Promise<void>;
  teardown(): Promise<void>;
}

let clock = 1_000_000;
const memory: Backend = {
  name: "in-memory store",
  durable: false,
  async setup() {},
  create: (options) => new MemoryStore({ staleProcessSeconds: 30, now: () => clock, ...options }),
  async ageReleases(_store, seconds) {
    clock += seconds * 1000;
  },
  async silence() {
    clock += 31_000;
  },
  async reset() {},
  async teardown() {},
};

async function onDatabase<T>(url: string, work: (conn: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ uri: url });
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

const database = suiteDatabase();
const mysqlBackend: Backend = {
  name: "MySQL store",
  durable: true,
  setup: (ctx) => database.setup(ctx),
  create: (options) => new MySqlStore({ url: database.url(), staleProcessSeconds: 30, ...options }),
  async ageReleases(_store, seconds) {
    await onDatabase(database.url(), (conn) =>
      conn.query("UPDATE released_codes SET released_at = released_at - INTERVAL ? SECOND", [seconds]),
    );
  },
  async silence(_store, processId) {
    await onDatabase(database.url(), (conn) =>
      conn.query("UPDATE server_processes SET heartbeat_at = NOW(3) - INTERVAL 31 SECOND WHERE process_id = ?", [processId]),
    );
  },
  async reset() {
    await onDatabase(database.url(), async (conn) => {
      for (const table of ["room_log_entries", "room_logs", "room_codes", "server_processes", "released_codes"]) await conn.query(`DELETE FROM ${table}`);
    });
  },
  teardown: () => database.teardown(),
};

/** Log entries as a room writes them: plain JSON objects, distinct per position. */
const entry = (n: number, note = "") => ({ t: "act", at: 1_700_000_000_000 + n, id: "seat-1", action: "roll", deadline: 0, note });
const records = (from: number, to: number, note = ""): LogRecord[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ n: from + i, entry: entry(from + i, note) }));

for (const backend of [memory, mysqlBackend]) {
  describe(`store contract: ${backend.name}`, () => {
    let store: Store;

    before(async function () {
      await backend.setup(this);
    });
    after(() => backend.teardown());

    beforeEach(async () => {
      store = backend.create();
      await store.init();
      await backend.reset();
      await store.codes.heartbeat("p1");
    });
    afterEach(async () => {
      await store.codes.forgetProcess("p1");
      await store.codes.forgetProcess("p2");
      await store.close();
    });

    it("applies its migrations idempotently", async () => {
      await store.init();
      await store.init();
      assert.equal((await store.health()).ok, true);
    });

    it("reserves a code of exactly six decimal digits that resolves to the room", async () => {
      const code = await store.codes.reserve("room-a", "p1");
      assert.match(code, /^\d{6}$/);
      assert.deepEqual(await store.codes.resolve(code), { code, roomId: "room-a", processId: "p1" });
    });

    it("gives 200 rooms reserving at once 200 distinct codes", async () => {
      const codes = await Promise.all(Array.from({ length: 200 }, (_, i) => store.codes.reserve(`room-${i}`, "p1")));
      assert.equal(new Set(codes).size, 200);
      for (const code of codes) assert.match(code, /^\d{6}$/);
    });

    it("keeps one code per room", async () => {
      const first = await store.codes.reserve("room-a", "p1");
      assert.equal(await store.codes.reserve("room-a", "p1"), first);
    });

    it("stops resolving a released code", async () => {
      const code = await store.codes.reserve("room-a", "p1");
      await store.codes.release("room-a");
      assert.equal(await store.codes.resolve(code), null);
      await store.codes.release("room-a");
    });

    it("resolves nothing for a code never handed out", async () => {
      assert.equal(await store.codes.resolve("000000"), null);
    });

    it("stops resolving the codes of a process that stopped heart-beating, and sweeps them", async () => {
      await store.codes.heartbeat("p2");
      const dead = await store.codes.reserve("room-dead", "p2");
      await backend.silence(store, "p2");
      await store.codes.heartbeat("p1");
      const alive = await store.codes.reserve("room-alive", "p1");
      assert.equal(await store.codes.resolve(dead), null);
      assert.equal(await store.codes.sweepStale(), 1);
      assert.notEqual(await store.codes.resolve(alive), null);
    });

    it("forgets every code of a process", async () => {
      const a = await store.codes.reserve("room-a", "p2");
      const b = await store.codes.reserve("room-b", "p2");
      await store.codes.forgetProcess("p2");
      assert.equal(await store.codes.resolve(a), null);
      assert.equal(await store.codes.resolve(b), null);
    });

    describe("with a cooldown of 5 s for released codes", () => {
      /** Draws these codes in order, then random ones. */
      let draws: string[] = [];
      let cooling: Store;
      const drawCode = () => draws.shift() ?? String(Math.floor(Math.random() * 1_000_000)).padStart(6, "0");

      beforeEach(async () => {
        draws = [];
        cooling = backend.create({ codeCooldownSeconds: 5, drawCode });
        await cooling.init();
        await cooling.codes.heartbeat("p1");
      });
      afterEach(async () => {
        await cooling.codes.forgetProcess("p1");
        await cooling.codes.forgetProcess("p2");
        await cooling.close();
      });

      it("does not hand a released code out again within the cooldown", async () => {
        draws = ["111111"];
        assert.equal(await cooling.codes.reserve("room-a", "p1"), "111111");
        await cooling.codes.release("room-a");
        draws = ["111111", "111111", "222222"];
        assert.equal(await cooling.codes.reserve("room-b", "p1"), "222222");
        assert.equal(await cooling.codes.resolve("111111"), null);
      });

      it("keeps the codes of a swept or forgotten process out of use too", async () => {
        await cooling.codes.heartbeat("p2");
        draws = ["333333", "444444"];
        await cooling.codes.reserve("room-dead", "p2");
        await cooling.codes.reserve("room-gone", "p1");
        await backend.silence(cooling, "p2");
        await cooling.codes.heartbeat("p1");
        assert.equal(await cooling.codes.sweepStale(), 1);
        await cooling.codes.forgetProcess("p1");
        await cooling.codes.heartbeat("p1");
        draws = ["333333", "444444", "555555"];
        assert.equal(await cooling.codes.reserve("room-new", "p1"), "555555");
      });

      it("hands a released code out again once the cooldown is over", async () => {
        draws = ["666666"];
        await cooling.codes.reserve("room-a", "p1");
        await cooling.codes.release("room-a");
        await backend.ageReleases(cooling, 6);
        await cooling.codes.heartbeat("p1");
        draws = ["666666"];
        assert.equal(await cooling.codes.reserve("room-b", "p1"), "666666");
      });
    });

    // --- room logs ------------------------------------------------------------------------------

    it(`says that its logs ${backend.durable ? "outlive" : "do not outlive"} the process`, () => {
      assert.equal(store.logs.durable, backend.durable);
    });

    it("reads a log back in order with the entries appended, and an unknown room as empty", async () => {
      await store.logs.append("room-a", records(1, 2));
      await store.logs.append("room-a", records(3, 3));
      assert.deepEqual(await store.logs.read("room-a"), records(1, 3));
      assert.equal(await store.logs.lastN("room-a"), 3);
      assert.deepEqual(await store.logs.read("room-unknown"), []);
      assert.equal(await store.logs.lastN("room-unknown"), 0);
    });

    it("commits the appends of many rooms made at once, each to its own room", async () => {
      const rooms = Array.from({ length: 100 }, (_, i) => `room-${i}`);
      await Promise.all(rooms.map((room) => store.logs.append(room, records(1, 1, room))));
      await Promise.all(
        rooms.map(async (room) => {
          for (let n = 2; n <= 4; n++) await store.logs.append(room, records(n, n, room));
        }),
      );
      for (const room of rooms) assert.deepEqual(await store.logs.read(room), records(1, 4, room));
    });

    it("counts an append of entries already stored at their positions as written (a retried write)", async () => {
      await store.logs.append("room-a", records(1, 2));
      const [, second] = records(1, 2);
      const reordered = Object.fromEntries(Object.entries(second.entry).reverse());
      await store.logs.append("room-a", [{ n: 2, entry: reordered }]);
      await store.logs.append("room-a", records(2, 3));
      assert.deepEqual(await store.logs.read("room-a"), records(1, 3));
    });

    it("refuses another entry at a stored position with LogConflictError and keeps the stored entry", async () => {
      await store.logs.append("room-a", records(1, 2));
      await assert.rejects(store.logs.append("room-a", records(2, 3, "elsewhere")), (e: Error) => {
        assert.ok(e instanceof LogConflictError, String(e));
        assert.match(e.message, /room room-a: log position 2/);
        return true;
      });
      assert.deepEqual(await store.logs.read("room-a"), records(1, 2));
      assert.equal(await store.logs.lastN("room-a"), 2);
    });

    it("fails a conflicting append for its own room only, not for the rooms appending with it", async () => {
      const rooms = Array.from({ length: 20 }, (_, i) => `room-${i}`);
      await Promise.all(rooms.map((room) => store.logs.append(room, records(1, 1, room))));
      const outcomes = await Promise.allSettled([
        ...rooms.map((room) => store.logs.append(room, records(2, 2, room))),
        store.logs.append("room-7", records(1, 1, "elsewhere")),
      ]);
      const conflict = outcomes.pop()!;
      assert.equal(conflict.status, "rejected");
      assert.ok((conflict as PromiseRejectedResult).reason instanceof LogConflictError);
      assert.deepEqual(outcomes.map((o) => o.status), rooms.map(() => "fulfilled"));
      for (const room of rooms) assert.deepEqual(await store.logs.read(room), records(1, 2, room));
    });

    it("refuses positions that do not follow each other or start below 1, writing nothing", async () => {
      await assert.rejects(store.logs.append("room-a", [records(1, 1)[0], records(3, 3)[0]]), RangeError);
      await assert.rejects(store.logs.append("room-a", [{ n: 0, entry: entry(0) }]), RangeError);
      assert.deepEqual(await store.logs.read("room-a"), []);
    });

    it("keeps a closed log readable", async () => {
      await store.logs.append("room-a", records(1, 3));
      await store.logs.close("room-a");
      await store.logs.close("room-a");
      assert.deepEqual(await store.logs.read("room-a"), records(1, 3));
      assert.equal(await store.logs.lastN("room-a"), 3);
    });

    // --- ownership ------------------------------------------------------------------------------

    it("looks a code up and lists a process's rooms whatever the state of the owner", async () => {
      await store.codes.heartbeat("p2");
      const a = await store.codes.reserve("room-a", "p2");
      await store.codes.reserve("room-b", "p2");
      await store.codes.reserve("room-c", "p1");
      await backend.silence(store, "p2");
      assert.equal(await store.codes.resolve(a), null);
      assert.deepEqual(await store.codes.lookup(a), { code: a, roomId: "room-a", processId: "p2" });
      assert.equal(await store.codes.lookup("000000"), null);
      assert.deepEqual(await store.codes.roomsOf("p2"), ["room-a", "room-b"]);
      assert.deepEqual(await store.codes.roomsOf("p1"), ["room-c"]);
      assert.deepEqual(await store.codes.roomsOf("p3"), []);
    });

    it("moves a room to its claimer only while the room is held by the owner the claimer names", async () => {
      const code = await store.codes.reserve("room-a", "p1");
      assert.equal(await store.codes.claim("room-a", "p3", "p2"), false);
      assert.equal(await store.codes.claim("room-a", "p1", "p2"), true);
      assert.equal(await store.codes.claim("room-a", "p1", "p3"), false);
      assert.deepEqual(await store.codes.lookup(code), { code, roomId: "room-a", processId: "p2" });
      assert.deepEqual(await store.codes.roomsOf("p2"), ["room-a"]);
      assert.equal(await store.codes.claim("room-unknown", "p1", "p2"), false);
    });

    it("writes an append fenced by its owner only while that process holds the room, and nothing once another claimed it", async () => {
      await store.codes.reserve("room-f", "p1");
      await store.logs.append("room-f", records(1, 2, "room-f"), "p1");
      assert.equal(await store.codes.claim("room-f", "p1", "p2"), true);
      await assert.rejects(store.logs.append("room-f", records(3, 3, "room-f"), "p1"), LogConflictError);
      assert.equal(await store.logs.lastN("room-f"), 2, "the former owner wrote nothing");
      await store.logs.append("room-f", records(3, 3, "room-f"), "p2");
      assert.equal(await store.logs.lastN("room-f"), 3);
    });

    it("fences the appends of one process for the room it lost only, in the same batch as rooms it still holds", async () => {
      await store.codes.reserve("kept", "p1");
      await store.codes.reserve("lost", "p1");
      await store.codes.claim("lost", "p1", "p2");
      const [kept, lost] = await Promise.allSettled([
        store.logs.append("kept", records(1, 1, "kept"), "p1"),
        store.logs.append("lost", records(1, 1, "lost"), "p1"),
      ]);
      assert.equal(kept.status, "fulfilled");
      assert.equal(lost.status, "rejected");
      assert.ok((lost as PromiseRejectedResult).reason instanceof LogConflictError);
      assert.equal(await store.logs.lastN("lost"), 0);
    });

    it("gives a room to exactly one of ten processes claiming it at once", async () => {
      const code = await store.codes.reserve("room-a", "p1");
      const claimers = Array.from({ length: 10 }, (_, i) => `claimer-${i}`);
      const won = await Promise.all(claimers.map((p) => store.codes.claim("room-a", "p1", p)));
      assert.equal(won.filter(Boolean).length, 1);
      assert.equal((await store.codes.lookup(code))!.processId, claimers[won.indexOf(true)]);
    });

    it("hands the open rooms of a released process over: their codes stop resolving until a process claims them", async () => {
      await store.codes.register("p2", "10.0.0.2:2567");
      const open = await store.codes.reserve("room-open", "p2");
      const unlogged = await store.codes.reserve("room-unlogged", "p2");
      await store.logs.append("room-open", records(1, 2));
      assert.equal(await store.codes.releaseProcess("p2"), 1);
      assert.equal(await store.codes.resolve(open), null);
      assert.deepEqual(await store.codes.lookup(open), { code: open, roomId: "room-open", processId: "" });
      assert.equal(await store.codes.lookup(unlogged), null, "a room without a log has nothing to restore");
      assert.deepEqual(await store.codes.orphans("10.0.0.9:2567"), backend.durable ? [{ code: open, roomId: "room-open", processId: "" }] : []);
      assert.equal(await store.codes.sweepStale(), 0, "a handed-over room is not swept");
      assert.equal(await store.codes.claim("room-open", "", "p1"), true);
      assert.deepEqual(await store.codes.resolve(open), { code: open, roomId: "room-open", processId: "p1" });
      assert.deepEqual(await store.codes.orphans("10.0.0.9:2567"), []);
    });

    it("keeps the codes of a silent process's rooms whose log is open, sweeps the others, and lists the open ones as orphans", async () => {
      await store.codes.heartbeat("p2");
      const open = await store.codes.reserve("room-open", "p2");
      const closed = await store.codes.reserve("room-closed", "p2");
      const unlogged = await store.codes.reserve("room-unlogged", "p2");
      await store.logs.append("room-open", records(1, 1));
      await store.logs.append("room-closed", records(1, 1));
      await store.logs.close("room-closed");
      assert.deepEqual(await store.codes.orphans("10.0.0.9:2567"), [], "a live process has no orphans");
      await backend.silence(store, "p2");
      await store.codes.heartbeat("p1");
      assert.equal(await store.codes.sweepStale(), 2);
      assert.equal(await store.codes.lookup(closed), null);
      assert.equal(await store.codes.lookup(unlogged), null);
      assert.deepEqual(await store.codes.lookup(open), { code: open, roomId: "room-open", processId: "p2" });
      assert.equal(await store.codes.resolve(open), null, "a stale owner's code does not resolve");
      assert.deepEqual(await store.codes.orphans("10.0.0.9:2567"), backend.durable ? [{ code: open, roomId: "room-open", processId: "p2" }] : []);
      assert.equal(await store.codes.claim("room-open", "p2", "p1"), true);
      assert.deepEqual(await store.codes.resolve(open), { code: open, roomId: "room-open", processId: "p1" });
      assert.deepEqual(await store.codes.orphans("10.0.0.9:2567"), []);
    });

    it("lists the rooms of a predecessor on the same address as orphans of that address only, once a successor registers there", async () => {
      await store.codes.register("p2", "10.0.0.2:2567");
      const code = await store.codes.reserve("room-a", "p2");
      await store.logs.append("room-a", records(1, 1));
      assert.deepEqual(await store.codes.orphans("10.0.0.2:2567"), []);
      await store.codes.register("p1", "10.0.0.2:2567");
      await store.codes.heartbeat("p2");
      const orphan = { code, roomId: "room-a", processId: "p2" };
      assert.deepEqual(await store.codes.orphans("10.0.0.2:2567"), backend.durable ? [orphan] : []);
      assert.deepEqual(await store.codes.orphans("10.0.0.3:2567"), [], "elsewhere the predecessor is alive");
      assert.deepEqual(await store.codes.resolve(code), orphan, "the predecessor serves the room until it is claimed");
      assert.equal(await store.codes.claim("room-a", "p2", "p1"), true);
      assert.deepEqual(await store.codes.orphans("10.0.0.2:2567"), []);
      assert.deepEqual(await store.codes.roomsOf("p2"), []);
    });

    if (!backend.durable) {
      it("has no orphans at all, since its rooms die with the process", async () => {
        await store.codes.heartbeat("p2");
        await store.codes.reserve("room-a", "p2");
        await store.logs.append("room-a", records(1, 1));
        await store.codes.releaseProcess("p2");
        assert.deepEqual(await store.codes.orphans("10.0.0.2:2567"), []);
      });
    }
  });
}

// --- what only MySQL can show ---------------------------------------------------------------

/** The INSERT statements the server has run on the one connection of `store` (connectionLimit 1). */
async function serverInserts(store: MySqlStore): Promise<number> {
  const [rows] = (await store.pool.query("SHOW SESSION STATUS LIKE 'Com_insert'")) as any;
  return Number(rows[0].Value);
}

describe("in-memory store: closed logs kept", () => {
  it("keeps the logs of the latest closed rooms only (closedLogsKept), and never drops an open one", async () => {
    const store = new MemoryStore({ staleProcessSeconds: 30, closedLogsKept: 2 });
    for (const room of ["open-1", "a", "b", "c"]) await store.logs.append(room, records(1, 2, room));
    await store.logs.close("a");
    await store.logs.close("b");
    // closing one again does not count it twice, and makes it the latest closed
    await store.logs.close("a");
    await store.logs.close("c");
    assert.deepEqual(await store.logs.read("b"), [], "the earliest closed log is dropped");
    assert.equal(await store.logs.lastN("b"), 0);
    assert.deepEqual(await store.logs.read("a"), records(1, 2, "a"));
    assert.deepEqual(await store.logs.read("c"), records(1, 2, "c"));
    assert.deepEqual(await store.logs.read("open-1"), records(1, 2, "open-1"), "an open log is never dropped");
    assert.equal(store.logs.isOpen("open-1"), true);
  });
});

describe("MySQL store: group commit and durability", () => {
  const db = suiteDatabase();
  let store: MySqlStore;
  let observer: mysql.Pool;

  before(async function () {
    await db.setup(this);
    observer = mysql.createPool({ uri: db.url(), connectionLimit: 4 });
  });
  after(async () => {
    await observer?.end();
    await db.teardown();
  });
  beforeEach(async () => {
    store = new MySqlStore({ url: db.url(), staleProcessSeconds: 30, connectionLimit: 1, holdMs: 5000 });
    await store.init();
  });
  afterEach(() => store.close());

  const storedRows = async (roomId: string) => {
    const [rows] = (await observer.query("SELECT n, entry FROM room_log_entries WHERE room_id = ? ORDER BY n", [roomId])) as any;
    return rows.map((r: { n: number; entry: string }) => ({ n: r.n, entry: JSON.parse(r.entry) }));
  };

  it("commits the appends of many rooms in far fewer INSERT statements than appends", async () => {
    const rooms = Array.from({ length: 200 }, (_, i) => `gc-${i}`);
    const appendsBefore = store.logs.stats.appends;
    const insertsBefore = store.logs.stats.inserts;
    const serverBefore = await serverInserts(store);
    await Promise.all(
      rooms.map(async (room) => {
        for (let n = 1; n <= 5; n++) await store.logs.append(room, records(n, n, room));
      }),
    );
    const appends = store.logs.stats.appends - appendsBefore;
    const inserts = store.logs.stats.inserts - insertsBefore;
    // the server's own count (opening logs adds one INSERT into room_logs per batch that opens any)
    const serverCount = (await serverInserts(store)) - serverBefore;
    assert.equal(appends, 1000);
    assert.ok(inserts <= appends / 10, `${inserts} INSERT statements for ${appends} appends`);
    assert.ok(serverCount >= inserts && serverCount <= 2 * inserts, `the server counted ${serverCount} INSERTs, the store ${inserts}`);
    for (const room of rooms) assert.deepEqual(await storedRows(room), records(1, 5, room));
  });

  it("sends a lone append as one INSERT statement", async () => {
    await store.logs.append("lone", records(1, 1));
    const insertsBefore = store.logs.stats.inserts;
    const serverBefore = await serverInserts(store);
    await store.logs.append("lone", records(2, 3));
    assert.equal(store.logs.stats.inserts - insertsBefore, 1);
    assert.equal((await serverInserts(store)) - serverBefore, 1);
  });

  it("resolves an append only once it is committed: another connection reads it the moment it resolves", async () => {
    const locker = await mysql.createConnection({ uri: db.url() });
    try {
      await locker.query("LOCK TABLES room_log_entries WRITE");
      let resolvedAt = 0;
      const appended = store.logs.append("visible", records(1, 2)).then(() => (resolvedAt = performance.now()));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(resolvedAt, 0, "resolved while the table was locked, before any commit");
      const unlockedAt = performance.now();
      await locker.query("UNLOCK TABLES");
      await appended;
      assert.ok(resolvedAt >= unlockedAt);
      const [stored, [opened]] = await Promise.all([storedRows("visible"), observer.query("SELECT closed_at FROM room_logs WHERE room_id = 'visible'")]);
      assert.deepEqual(stored, records(1, 2));
      assert.deepEqual(opened, [{ closed_at: null }], "the first entry opens the room's log in the same commit");
    } finally {
      await locker.end();
    }
  });

  it("stops a write that outlived the hold time, so that a refused append never lands later", async () => {
    const hurried = new MySqlStore({ url: db.url(), staleProcessSeconds: 30, holdMs: 300, connectionLimit: 1 });
    const locker = await mysql.createConnection({ uri: db.url() });
    try {
      await hurried.logs.append("stuck", records(1, 1));
      await locker.query("LOCK TABLES room_log_entries WRITE");
      await assert.rejects(hurried.logs.append("stuck", records(2, 2)), StoreUnavailableError);
      const settled = hurried.logs.lastN("stuck");
      await new Promise((r) => setTimeout(r, 100));
      await locker.query("UNLOCK TABLES");
      assert.equal(await settled, 1);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await storedRows("stuck"), records(1, 1), "the refused entry stays out");
      await hurried.logs.append("stuck", records(2, 2, "again"));
      assert.deepEqual(await storedRows("stuck"), [...records(1, 1), ...records(2, 2, "again")]);
    } finally {
      await locker.end();
      await hurried.close();
    }
  });

  it("gives each of fifty orphans to exactly one of two processes claiming it at once", async () => {
    const a = new MySqlStore({ url: db.url(), staleProcessSeconds: 30 });
    const b = new MySqlStore({ url: db.url(), staleProcessSeconds: 30 });
    try {
      await store.codes.heartbeat("gone");
      await store.codes.register("leaving", "10.0.0.5:2567");
      const rooms = Array.from({ length: 50 }, (_, i) => `orphan-${i}`);
      for (const [i, room] of rooms.entries()) {
        await store.codes.reserve(room, i % 2 === 0 ? "gone" : "leaving");
        await store.logs.append(room, records(1, 1, room));
      }
      await store.codes.releaseProcess("leaving");
      await observer.query("UPDATE server_processes SET heartbeat_at = NOW(3) - INTERVAL 31 SECOND WHERE process_id = 'gone'");
      await a.codes.register("process-a", "10.0.0.1:2567");
      await b.codes.register("process-b", "10.0.0.2:2567");
      const [seenByA, seenByB] = await Promise.all([a.codes.orphans("10.0.0.1:2567"), b.codes.orphans("10.0.0.2:2567")]);
      assert.equal(seenByA.length, 50);
      assert.deepEqual(seenByB, seenByA);
      for (const orphan of seenByA) {
        const [wonA, wonB] = await Promise.all([
          a.codes.claim(orphan.roomId, orphan.processId, "process-a"),
          b.codes.claim(orphan.roomId, orphan.processId, "process-b"),
        ]);
        assert.notEqual(wonA, wonB, `${orphan.roomId}: exactly one claim wins`);
        assert.equal((await store.codes.lookup(orphan.code))!.processId, wonA ? "process-a" : "process-b");
      }
      assert.equal((await a.codes.roomsOf("process-a")).length + (await b.codes.roomsOf("process-b")).length, 50);
      assert.deepEqual(await a.codes.orphans("10.0.0.1:2567"), []);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("MySQL store: outages between the store and the database", () => {
  /** The hold of the specs that time a rejection; specs that need a reconnect to succeed hold longer. */
  const HOLD_MS = 300;
  const db = suiteDatabase();
  let proxy: TcpProxy;
  let direct: MySqlStore;
  let proxied: MySqlStore[] = [];
  let seq = 0;

  before(async function () {
    await db.setup(this);
    const target = new URL(MYSQL_ADMIN_URL);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 3306) });
    direct = new MySqlStore({ url: db.url(), staleProcessSeconds: 30 });
    await direct.init();
  });
  after(async () => {
    await direct?.close();
    await proxy?.close();
    await db.teardown();
  });
  afterEach(async () => {
    await proxy.restore();
    await Promise.all(proxied.map((store) => store.close()));
    proxied = [];
  });

  /** A store whose connections go through the proxy, with a connection open in its pool already. */
  async function throughProxy(holdMs: number): Promise<MySqlStore> {
    const store = new MySqlStore({ url: proxy.url(db.url()), staleProcessSeconds: 30, holdMs });
    proxied.push(store);
    for (let attempt = 1; ; attempt++) {
      try {
        await store.logs.lastN("warm-up");
        return store;
      } catch (e) {
        if (attempt === 5) throw e;
      }
    }
  }

  /** A room whose log is open (written directly). */
  async function openRoom(): Promise<string> {
    const room = `outage-${++seq}`;
    await direct.logs.append(room, records(1, 1, room));
    return room;
  }

  async function timeToReject(work: Promise<unknown>): Promise<number> {
    const started = performance.now();
    await assert.rejects(work, (e: Error) => {
      assert.ok(e instanceof StoreUnavailableError, `${e.name}: ${e.message}`);
      return true;
    });
    return performance.now() - started;
  }

  const aboutTheHold = (took: number) => assert.ok(took >= HOLD_MS - 15 && took < HOLD_MS + 500, `rejected after ${Math.round(took)} ms`);

  for (const mode of ["refuse", "blackhole", "reset"] as CutMode[]) {
    it(`rejects an append with StoreUnavailableError after about the hold time while the network is cut (${mode})`, async () => {
      const store = await throughProxy(HOLD_MS);
      const room = await openRoom();
      await proxy.cut(mode);
      aboutTheHold(await timeToReject(store.logs.append(room, records(2, 2, room))));
      assert.equal(await direct.logs.lastN(room), 1, "nothing reached the database");
    });

    it(`resolves an append begun during a cut (${mode}) that ends within the hold time`, async () => {
      const store = await throughProxy(1000);
      const room = await openRoom();
      await proxy.cut(mode);
      let settled = false;
      const appended = store.logs.append(room, records(2, 3, room)).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 250));
      assert.equal(settled, false, "settled while the network was cut");
      await proxy.restore();
      await appended;
      assert.deepEqual(await direct.logs.read(room), records(1, 3, room));
    });
  }

  it("rejects an append with StoreUnavailableError after about the hold time while open connections carry nothing", async () => {
    const store = await throughProxy(HOLD_MS);
    const room = await openRoom();
    proxy.freeze();
    aboutTheHold(await timeToReject(store.logs.append(room, records(2, 2, room))));
    await proxy.restore();
    // the frozen statement may still land once the network is back; either way the log stays whole
    assert.ok([1, 2].includes(await direct.logs.lastN(room)));
  });

  it("answers read and lastN with StoreUnavailableError while the network is cut", async () => {
    const store = await throughProxy(HOLD_MS);
    const room = await openRoom();
    await proxy.cut("refuse");
    aboutTheHold(await timeToReject(store.logs.read(room)));
    aboutTheHold(await timeToReject(store.logs.lastN(room)));
  });

  it("writes again once the network is back, on the same store", async () => {
    const store = await throughProxy(600);
    const room = await openRoom();
    for (const mode of ["refuse", "blackhole", "reset"] as CutMode[]) {
      await proxy.cut(mode);
      await timeToReject(store.logs.append(room, records(2, 2, room)));
      await proxy.restore();
    }
    await store.logs.append(room, records(2, 3, room));
    assert.deepEqual(await store.logs.read(room), records(1, 3, room));
    const rooms = Array.from({ length: 20 }, (_, i) => `${room}-${i}`);
    await Promise.all(rooms.map((r) => store.logs.append(r, records(1, 2, r))));
    for (const r of rooms) assert.deepEqual(await direct.logs.read(r), records(1, 2, r));
  });
});
