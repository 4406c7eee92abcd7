/**
 * The single process's room cache (src/rooms/localDriver.ts) answers look-ups by roomId from a map,
 * and must answer exactly what Colyseus's LocalDriver answers on the same rooms.
 */
import assert from "node:assert/strict";
import { LocalDriver, initializeRoomCache, type IRoomCache } from "@colyseus/core";
import { IndexedLocalDriver } from "../src/rooms/localDriver.ts";

function listing(roomId: string, fields: Partial<IRoomCache> = {}): IRoomCache {
  return initializeRoomCache({ roomId, name: "game", processId: "p1", clients: 1, maxClients: 5, locked: false, private: false, metadata: { phase: "lobby" }, ...fields });
}

/** A listing without its creation time (each driver made its own objects a moment apart). */
const shape = (room: IRoomCache | undefined) => (room ? { ...room, createdAt: undefined } : null);

describe("IndexedLocalDriver", () => {
  let indexed: IndexedLocalDriver;
  let plain: LocalDriver;

  beforeEach(async () => {
    indexed = new IndexedLocalDriver();
    plain = new LocalDriver();
    for (const driver of [indexed, plain]) {
      // each driver its own objects, as each process has its own listings
      for (let i = 0; i < 200; i++) await driver.insert(listing(`r${i}`, { locked: i % 3 === 0, private: i % 7 === 0 }));
      driver.persist(listing("created-by-persist", { metadata: { phase: "playing" } }), true);
    }
  });

  it("finds rooms by id as LocalDriver does, whatever their number, and leaves out unknown ids", async () => {
    const ids = ["r5", "r150", "created-by-persist", "nope", "r0"];
    const [a, b] = await Promise.all([indexed.findByIds(ids), plain.findByIds(ids)]);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    assert.deepEqual([...a.keys()].sort(), ["created-by-persist", "r0", "r150", "r5"]);
    for (const id of a.keys()) assert.deepEqual(shape(a.get(id)), shape(b.get(id)));
  });

  it("answers findOne by roomId with the other conditions checked on the listing and its metadata", async () => {
    const cases: Array<Partial<IRoomCache> & Record<string, unknown>> = [
      { roomId: "r4" },
      { roomId: "r3", locked: false },
      { roomId: "r3", locked: true },
      { roomId: "r4", phase: "lobby" },
      { roomId: "r4", phase: "playing" },
      { roomId: "created-by-persist", phase: "playing" },
      { roomId: "r4", notAField: 1 },
      { roomId: "missing" },
    ];
    for (const conditions of cases) {
      const [a, b] = await Promise.all([indexed.findOne(conditions), plain.findOne(conditions)]);
      assert.deepEqual(shape(a), shape(b), JSON.stringify(conditions));
    }
  });

  it("forgets a removed room and every room after clear, and sees a listing's fields as Colyseus changes them", async () => {
    indexed.remove("r5");
    assert.equal((await indexed.findByIds(["r5"])).size, 0);
    assert.equal(await indexed.findOne({ roomId: "r5" }), undefined);
    const room = (await indexed.findByIds(["r6"])).get("r6")!;
    // Colyseus locks a listing by assigning its field, then calls update()
    room.locked = true;
    indexed.update(room, { $set: { clients: 5 } });
    assert.equal((await indexed.findOne({ roomId: "r6", locked: true }))?.clients, 5);
    indexed.clear();
    assert.equal((await indexed.findByIds(["r6", "r7"])).size, 0);
    assert.equal((await indexed.query({})).length, 0);
  });

  it("leaves queries without a roomId to LocalDriver: the same rooms in the same order", async () => {
    const conditions = { name: "game", locked: false, private: false };
    const sort = { clients: -1 as const };
    const [a, b] = await Promise.all([indexed.query(conditions, sort), plain.query(conditions, sort)]);
    assert.deepEqual(a.map((r) => r.roomId), b.map((r) => r.roomId));
    assert.ok(a.length > 0);
  });
});
