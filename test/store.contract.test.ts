/** The same contract for both stores: what rooms and routes may rely on. */
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { MemoryStore } from "../src/store/memory/index.ts";
import { MySqlStore } from "../src/store/mysql/index.ts";
import type { Store } from "../src/store/types.ts";
import { suiteDatabase } from "./helpers/mysql.ts";

interface Backend {
  name: string;
  setup(ctx: Mocha.Context): Promise<void>;
  create(): Store;
  /** Makes a process look silent for longer than the stale limit. */
  silence(store: Store, processId: string): Promise<void>;
  teardown(): Promise<void>;
}

let clock = 1_000_000;
const memory: Backend = {
  name: "in-memory store",
  async setup() {},
  create: () => new MemoryStore({ staleProcessSeconds: 30, now: () => clock }),
  async silence() {
    clock += 31_000;
  },
  async teardown() {},
};

const database = suiteDatabase();
const mysqlBackend: Backend = {
  name: "MySQL store",
  setup: (ctx) => database.setup(ctx),
  create: () => new MySqlStore({ url: database.url(), staleProcessSeconds: 30 }),
  async silence(_store, processId) {
    const conn = await mysql.createConnection({ uri: database.url() });
    await conn.query("UPDATE server_processes SET heartbeat_at = NOW(3) - INTERVAL 31 SECOND WHERE process_id = ?", [processId]);
    await conn.end();
  },
  teardown: () => database.teardown(),
};

for (const backend of [memory, mysqlBackend]) {
  describe(`store contract: ${backend.name}`, function () {
    let store: Store;

    before(async function () {
      await backend.setup(this);
    });
    after(() => backend.teardown());

    beforeEach(async () => {
      store = backend.create();
      await store.init();
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
  });
}
