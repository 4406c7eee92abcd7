/**
 * The room cache driver with an index of open rooms (src/rooms/openRoomsDriver.ts), against a real
 * Redis (database 9, flushed by this spec only): the index follows every write of a listing, the
 * answers equal the plain @colyseus/redis-driver's on the same data, and quick play reads the index
 * alone.
 */
import assert from "node:assert/strict";
import { type IRoomCache, initializeRoomCache } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { Redis } from "ioredis";
import { OpenRoomsDriver, openRoomsKey } from "../src/rooms/openRoomsDriver.ts";
import { requireRedis } from "./helpers/redis.ts";

const URL = "redis://127.0.0.1:6379/9";
const QUICK_PLAY = { locked: false, name: "game", private: false } as const;

/** A listing as Colyseus makes one; createdAt apart by a second per `n` so sorts on it have no ties. */
function listing(n: number, fields: Partial<IRoomCache> = {}): IRoomCache {
  return initializeRoomCache({
    name: "game",
    roomId: `room${String(n).padStart(5, "0")}`,
    processId: "p1",
    clients: n % 4,
    maxClients: 4,
    createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000),
    metadata: { phase: "lobby", code: String(100000 + n), mode: n % 2 ? "duel" : "party" },
    ...fields,
  });
}

describe("the room cache driver with an index of open rooms", function () {
  this.timeout(60_000);
  let raw: Redis;
  let driver: OpenRoomsDriver;
  let plain: RedisDriver;

  /** roomIds in the index of `name`, sorted. */
  const indexed = async (name = "game") => (await raw.hkeys(openRoomsKey(name))).sort();
  const cached = async () => (await raw.hkeys("roomcaches")).sort();

  before(async function () {
    await requireRedis(this);
    raw = new Redis(URL);
    await raw.flushdb();
    driver = new OpenRoomsDriver(URL);
    plain = new RedisDriver(URL);
  });

  afterEach(async () => {
    await raw?.flushdb();
  });

  after(async () => {
    await driver?.shutdown();
    await plain?.shutdown();
    raw?.disconnect();
  });

  it("keeps a room in its name's index while it is public and unlocked, through lock, unlock, private, public and removal", async () => {
    const room = listing(1);
    await driver.persist(room, true);
    assert.deepEqual(await indexed(), ["room00001"]);
    assert.equal(await raw.hget(openRoomsKey("game"), room.roomId), await raw.hget("roomcaches", room.roomId));

    await driver.update(room, { $inc: { clients: 1 }, $set: { locked: true } });
    assert.deepEqual(await indexed(), []);
    await driver.update(room, { $inc: { clients: -1 }, $set: { locked: false } });
    assert.deepEqual(await indexed(), ["room00001"]);
    assert.equal(JSON.parse((await raw.hget(openRoomsKey("game"), room.roomId))!).clients, 1);

    room.private = true;
    await driver.persist(room);
    assert.deepEqual(await indexed(), []);
    room.private = false;
    await driver.persist(room);
    assert.deepEqual(await indexed(), ["room00001"]);

    assert.equal(await driver.remove(room.roomId), true);
    assert.deepEqual(await indexed(), []);
    assert.deepEqual(await cached(), []);
    assert.equal(await driver.remove(room.roomId), false);
  });

  it("keeps one index per room name", async () => {
    await driver.persist(listing(1), true);
    await driver.persist(listing(2, { name: "lobby", unlisted: true }), true);
    assert.deepEqual(await indexed("game"), ["room00001"]);
    assert.deepEqual(await indexed("lobby"), ["room00002"]);
    assert.equal((await driver.findOne({ ...QUICK_PLAY, name: "lobby" }))?.roomId, "room00002");
  });

  it("removes a room from the index when another driver instance (another process) removes it", async () => {
    const other = new OpenRoomsDriver(URL);
    try {
      await driver.persist(listing(1), true);
      assert.equal(await other.remove("room00001"), true);
      assert.deepEqual(await indexed(), []);
      assert.deepEqual(await cached(), []);
    } finally {
      await other.shutdown();
    }
  });

  it("takes a dead process's rooms out of the index with cleanup and leaves the other process's rooms", async () => {
    for (let n = 1; n <= 1200; n++) await driver.persist(listing(n, { processId: n % 3 ? "dead" : "alive", name: n % 5 ? "game" : "other" }), true);
    await driver.cleanup("dead");
    const alive = Array.from({ length: 400 }, (_, i) => listing((i + 1) * 3));
    assert.deepEqual(await cached(), alive.map((r) => r.roomId).sort());
    assert.deepEqual([...(await indexed("game")), ...(await indexed("other"))].sort(), alive.map((r) => r.roomId).sort());
  });

  it("forgets every listing and every index with clear", async () => {
    await driver.persist(listing(1), true);
    await driver.persist(listing(2, { name: "other" }), true);
    await driver.clear();
    assert.deepEqual(await raw.keys("roomcaches*"), []);
  });

  it("agrees with roomcaches after concurrent writes of the same rooms from two driver instances", async () => {
    const other = new OpenRoomsDriver(URL);
    try {
      const ids = Array.from({ length: 20 }, (_, i) => i + 1);
      await Promise.all(ids.map((n) => driver.persist(listing(n), true)));
      // each instance holds its own copy of every listing, as two processes would
      const mine = ids.map((n) => listing(n));
      const theirs = ids.map((n) => listing(n));
      const writes: Promise<boolean>[] = [];
      for (let step = 0; step < 30; step++) {
        for (const [i] of ids.entries()) {
          writes.push(driver.update(mine[i], { $set: { locked: (step + i) % 2 === 0, private: step % 7 === i % 7 } }));
          writes.push(other.update(theirs[i], { $set: { locked: (step * i) % 3 === 0 } }));
        }
      }
      await Promise.all(writes);
      const all = await raw.hgetall("roomcaches");
      const index = await raw.hgetall(openRoomsKey("game"));
      for (const [roomId, json] of Object.entries(all)) {
        const room = JSON.parse(json);
        if (!room.locked && !room.private) assert.equal(index[roomId], json, `${roomId} is open and indexed as cached`);
        else assert.equal(index[roomId], undefined, `${roomId} is not open and not indexed`);
      }
      assert.deepEqual(Object.keys(index).filter((id) => !(id in all)), []);
    } finally {
      await other.shutdown();
    }
  });

  describe("on the same data as the plain driver", () => {
    beforeEach(async () => {
      for (let n = 1; n <= 60; n++) {
        const fields: Partial<IRoomCache> = {};
        if (n % 3 === 0) fields.locked = true;
        if (n % 7 === 0) fields.private = true;
        if (n % 11 === 0) fields.name = "other";
        if (n % 13 === 0) fields.unlisted = true;
        if (n % 17 === 0) fields.metadata = { phase: "playing", code: String(n), mode: "duel" };
        await driver.persist(listing(n, fields), true);
      }
    });

    const sorts = [undefined, { clients: -1, createdAt: 1 }, { createdAt: "descending" }, { clients: "asc", createdAt: -1 }] as const;

    it("finds the same room for quick play, with and without filters, under every sort order with no ties", async () => {
      for (const sort of sorts.slice(1)) {
        for (const filters of [{}, { mode: "duel" }, { mode: "party" }, { mode: "none" }, { clients: 2 }]) {
          const conditions = { ...QUICK_PLAY, ...filters };
          const ours = await driver.findOne(conditions, { ...sort });
          const theirs = await plain.findOne(conditions, { ...sort });
          assert.deepEqual(ours, theirs, `findOne(${JSON.stringify(conditions)}, ${JSON.stringify(sort)})`);
        }
      }
    });

    it("finds one of the rooms the plain driver would, without a sort order", async () => {
      const ours = await driver.findOne({ ...QUICK_PLAY }, {});
      const candidates = await plain.query({ ...QUICK_PLAY });
      assert.ok(ours);
      assert.ok(candidates.some((r) => r.roomId === ours.roomId));
    });

    it("lists the same public unlocked rooms as the plain driver, as GET /rooms asks for them", async () => {
      const byId = (rooms: IRoomCache[]) => [...rooms].sort((x, y) => x.roomId.localeCompare(y.roomId));
      for (const sort of sorts) {
        const ours = await driver.query({ ...QUICK_PLAY }, sort && { ...sort });
        const theirs = await plain.query({ ...QUICK_PLAY }, sort && { ...sort });
        assert.ok(ours.length > 10);
        assert.deepEqual(sort ? ours : byId(ours), sort ? theirs : byId(theirs));
      }
    });

    it("answers every other query (the lobby's, by process, by roomId) as the plain driver does", async () => {
      const sort = { createdAt: 1 } as const;
      for (const conditions of [{ private: false, unlisted: false }, { processId: "p1" }, { name: "other" }, { locked: true }, { roomId: "room00003" }, { roomId: "room00004", locked: true }, { roomId: "nope" }]) {
        assert.deepEqual(await driver.query(conditions, { ...sort }), await plain.query(conditions, { ...sort }), JSON.stringify(conditions));
      }
      assert.deepEqual(await driver.findOne({ roomId: "room00005" }), await plain.findOne({ roomId: "room00005" }));
      assert.deepEqual(await driver.findByIds(["room00001", "room00009"]), await plain.findByIds(["room00001", "room00009"]));
    });
  });

  describe("with thousands of started games in roomcaches", () => {
    beforeEach(async () => {
      for (let n = 1; n <= 20; n++) await driver.persist(listing(n), true);
      // 3,000 locked listings written straight into roomcaches, as old processes' started games
      const locked: string[] = [];
      for (let n = 1000; n < 4000; n++) locked.push(listing(n).roomId, JSON.stringify(listing(n, { locked: true })));
      await raw.hset("roomcaches", ...locked);
    });

    it("does not read roomcaches for quick play: an open-looking room written only there is not found", async () => {
      // the marker: public, unlocked, the most clients: the full read's first answer, absent from the index
      const marker = listing(9999, { clients: 3, createdAt: new Date(Date.UTC(2025, 0, 1)) });
      await raw.hset("roomcaches", marker.roomId, JSON.stringify(marker));
      const sort = { clients: -1, createdAt: 1 } as const;
      assert.equal((await plain.findOne({ ...QUICK_PLAY }, { ...sort }))?.roomId, marker.roomId);
      const ours = await driver.findOne({ ...QUICK_PLAY }, { ...sort });
      assert.ok(ours);
      assert.notEqual(ours.roomId, marker.roomId);
      assert.equal(ours.clients, 3);
      assert.ok(!(await driver.query({ ...QUICK_PLAY })).some((r) => r.roomId === marker.roomId));
    });

    it("answers quick play although roomcaches holds a listing the full read cannot parse", async () => {
      await raw.hset("roomcaches", "broken", '{"name":"game","locked":tru');
      await assert.rejects(async () => await plain.findOne({ ...QUICK_PLAY }, {}), SyntaxError);
      assert.equal((await driver.query({ ...QUICK_PLAY })).length, 20);
      const duel = { ...QUICK_PLAY, mode: "duel" };
      assert.ok(await driver.findOne(duel, { createdAt: 1 }));
    });
  });
});
