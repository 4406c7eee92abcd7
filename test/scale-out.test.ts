/** Two server processes sharing Redis (rooms, listing, matchmaking) and MySQL (join codes). */
import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { observe, PlayerSDK, rejoinSeat } from "./helpers/players.ts";
import { startProcess, type ServerProcess } from "./helpers/process.ts";
import { REDIS_TEST_URL, flushRedis, requireRedis } from "./helpers/redis.ts";
import { getJson, until } from "./helpers/wait.ts";

describe("scale-out: two processes sharing Redis and MySQL", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  /** Set once the suite has Redis: a skipped suite leaves it alone. */
  let usingRedis = false;
  const rooms: Room[] = [];

  const env = () => ({
    CODE_LOOKUP_LIMIT: "10000",
    MYSQL_URL: db.url,
    REDIS_URL: REDIS_TEST_URL,
    PUBLIC_ADDRESS: "127.0.0.1:{port}",
    HEARTBEAT_SECONDS: "0.2",
    STALE_PROCESS_SECONDS: "3",
    RECONNECT_SECONDS: "1",
  });

  before(async function () {
    await requireRedis(this);
    await requireMysql(this);
    usingRedis = true;
    await flushRedis();
    db = await createTestDatabase();
    [a, b] = await Promise.all([startProcess(env()), startProcess(env())]);
  });

  afterEach(async () => {
    for (const room of rooms.splice(0)) {
      room.reconnection.enabled = false;
      if (room.connection?.isOpen) await room.leave().catch(() => {});
    }
  });

  after(async () => {
    await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
    await db?.drop();
    if (usingRedis) await flushRedis();
  });

  it("lists a room created through A on B, and joins it by code through B", async () => {
    const viaA = new PlayerSDK(a.ws);
    const viaB = new PlayerSDK(b.ws);
    const host = await viaA.create("game", { name: "Ann" });
    rooms.push(host);
    const code = await until(() => host.state.code, "the code");

    const listed = await until(async () => {
      const { body } = await getJson(`${b.http}/rooms`);
      return body.rooms.find((r: any) => r.roomId === host.roomId);
    }, "the room in B's listing");
    assert.equal(listed.code, code);

    const { status, body } = await getJson(`${b.http}/rooms/${code}`);
    assert.equal(status, 200);
    assert.equal(body.roomId, host.roomId);
    const guest = await viaB.joinById(body.roomId, { name: "Bob" });
    rooms.push(guest);
    await until(() => host.state.players.size === 2, "Bob in Ann's room");
    assert.equal(guest.roomId, host.roomId);
  });

  it("gives 200 rooms created concurrently through both processes 200 distinct codes", async () => {
    const sdks = [new PlayerSDK(a.ws), new PlayerSDK(b.ws)];
    const created = await Promise.all(Array.from({ length: 200 }, (_, i) => sdks[i % 2].create("game", { name: `P${i}` })));
    rooms.push(...created);
    const codes = await Promise.all(created.map((r) => until(() => r.state.code, "a code")));
    assert.equal(new Set(codes).size, 200);
    // both processes hold rooms, and each code resolves through the other process
    const listings = await Promise.all(codes.slice(0, 20).map((c) => getJson(`${b.http}/rooms/${c}`)));
    for (const l of listings) assert.equal(l.status, 200);
    const health = await Promise.all([getJson(`${a.http}/health`), getJson(`${b.http}/health`)]);
    assert.ok(health.every((h) => h.body.rooms > 0), `rooms on both processes: ${health.map((h) => h.body.rooms)}`);
  });

  /** Ann's seat, taken back through B by her seat token once A is gone. */
  async function rejoinThroughB(code: string, seatToken: string) {
    const { room } = await rejoinSeat(b, code, seatToken, 10_000);
    rooms.push(room);
    return room;
  }

  it("hands A's rooms to B when A stops gracefully: the code resolves through B and the player is back", async () => {
    const host = await new PlayerSDK(a.ws).create("game", { name: "Ann" });
    host.reconnection.enabled = false;
    const code = await until(() => host.state.code, "the code");
    const token = await until(() => observe(host).seats.at(-1), "Ann's seat token");
    assert.equal((await getJson(`${b.http}/rooms/${code}`)).status, 200);
    await a.stop("SIGTERM");
    const back = await rejoinThroughB(code, token);
    assert.equal(back.sessionId, host.sessionId);
    const { status, body } = await getJson(`${b.http}/rooms/${code}`);
    assert.equal(status, 200);
    assert.equal(body.roomId, host.roomId);
    a = await startProcess(env());
  });

  it("has B restore the rooms of a process that crashed, once its heartbeat is stale", async () => {
    const host = await new PlayerSDK(a.ws).create("game", { name: "Ann" });
    host.reconnection.enabled = false;
    const code = await until(() => host.state.code, "the code");
    const token = await until(() => observe(host).seats.at(-1), "Ann's seat token");
    assert.equal((await getJson(`${b.http}/rooms/${code}`)).status, 200);
    await a.stop("SIGKILL");
    const back = await rejoinThroughB(code, token);
    assert.equal(back.roomId, host.roomId);
    assert.equal(back.sessionId, host.sessionId);
  });
});
