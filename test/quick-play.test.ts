/**
 * Quick play (`joinOrCreate("game")`, src/rooms/quickPlay.ts) through real SDK clients: a burst
 * fills rooms instead of spreading over them, a lost race or a game that starts sends the player on
 * to the next open room at once, bad options are refused as before, and the same holds with two
 * processes sharing Redis and MySQL.
 */
import assert from "node:assert/strict";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import { JoinError } from "../src/messages/errors.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { ask, observe, PlayerSDK } from "./helpers/players.ts";
import { startProcess, type ServerProcess } from "./helpers/process.ts";
import { RedisServer, requireRedisServer } from "./helpers/redisServer.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { until } from "./helpers/wait.ts";

/** How many of `rooms` landed in each room, largest first. */
function sizes(rooms: Room<any>[]): number[] {
  const counts = new Map<string, number>();
  for (const room of rooms) counts.set(room.roomId, (counts.get(room.roomId) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => b - a);
}

/** The seats of a burst, and its refusals as `code message`. */
async function burst(players: Array<() => Promise<Room<any>>>, open: Room<any>[]) {
  const results = await Promise.allSettled(players.map((join) => join()));
  const seated: Room<any>[] = [];
  const refused: string[] = [];
  for (const r of results) {
    if (r.status === "fulfilled") seated.push(r.value);
    else refused.push(`${(r.reason as { code?: number }).code} ${(r.reason as Error).message}`);
  }
  open.push(...seated);
  return { seated, refused };
}

async function leaveAll(open: Room<any>[]) {
  for (const room of open.splice(0)) {
    room.reconnection.enabled = false;
    if (room.connection?.isOpen) await room.leave().catch(() => {});
  }
}

describe("quick play on one process", () => {
  let server: TestServer;
  let sdk: PlayerSDK;
  const open: Room<any>[] = [];
  const quick = (name: string) => () => sdk.joinOrCreate("game", { name });

  before(async () => {
    server = await startServer({ mysqlUrl: null });
    sdk = new PlayerSDK(server.ws);
  });

  afterEach(async () => {
    await leaveAll(open);
    await until(async () => (await matchMaker.query({ name: "game" })).length === 0, "every game room disposed");
  });

  after(async () => {
    await server?.stop();
  });

  it("seats 23 concurrent quick players in five rooms, four full of five and one of three, and refuses none", async () => {
    const { seated, refused } = await burst(Array.from({ length: 23 }, (_, i) => quick(`Q${i}`)), open);
    assert.deepEqual(refused, []);
    assert.deepEqual(sizes(seated), [5, 5, 5, 5, 3]);
    // every room seats the players that were sent there
    for (const room of seated) {
      const here = seated.filter((r) => r.roomId === room.roomId).length;
      await until(() => room.state.players?.size === here, `${here} players in room ${room.roomId}`);
    }
  });

  it("sends the quick players who lose the last seat of the fullest room on to the next one, then to a new room", async () => {
    // four in one room, one in another: the burst fills the first, then the second, then opens a third
    const first = [await quick("A1")()];
    open.push(first[0]);
    for (const name of ["A2", "A3", "A4"]) {
      const room = await quick(name)();
      open.push(room);
      first.push(room);
    }
    assert.equal(new Set(first.map((r) => r.roomId)).size, 1);
    const second = await sdk.create("game", { name: "B1" });
    open.push(second);
    const { seated, refused } = await burst(Array.from({ length: 6 }, (_, i) => quick(`R${i}`)), open);
    assert.deepEqual(refused, []);
    const into = (roomId: string) => seated.filter((r) => r.roomId === roomId).length;
    assert.equal(into(first[0].roomId), 1);
    assert.equal(into(second.roomId), 4);
    assert.deepEqual(sizes(seated.filter((r) => r.roomId !== first[0].roomId && r.roomId !== second.roomId)), [1]);
  });

  it("sends quick players racing a game's start on to the next open room, without an error", async () => {
    const ann = observe(await quick("Ann")());
    const bob = observe(await quick("Bob")());
    const cy = observe(await quick("Cy")());
    open.push(ann.room, bob.room, cy.room);
    const started = ann.room.roomId;
    const other = await sdk.create("game", { name: "Dee" });
    open.push(other);
    for (const p of [ann, bob, cy]) await ask(p, "ready", { ready: true });
    // the start and two quick players race: one who is seated before the start stops it (NOT_READY)
    const [answer, { seated, refused }] = await Promise.all([ask(ann, "start"), burst([quick("S1"), quick("S2")], open)]);
    assert.deepEqual(refused, []);
    if ("code" in answer) {
      for (const room of seated.filter((r) => r.roomId === started)) await ask(observe(room), "ready", { ready: true });
      const again = await ask(ann, "start");
      assert.ok(!("code" in again), `the start was refused again: ${JSON.stringify(again)}`);
    }
    await until(() => ann.room.state.phase === "playing", "the game to start");
    // the started room is the fullest, and locked: the next quick player goes to the open one
    const next = await quick("Eve")();
    open.push(next);
    assert.equal(next.roomId, other.roomId);
  });

  it("refuses a quick player's bad options with INVALID_OPTIONS, as before, and leaves no room behind", async () => {
    for (const options of [{ name: "" }, { name: 5 }, { name: "Ann", maxPlayers: 6 }]) {
      const err = await sdk.joinOrCreate("game", options).then(
        (room) => {
          open.push(room);
          return assert.fail(`joined with ${JSON.stringify(options)}`);
        },
        (e: { code: number }) => e,
      );
      assert.equal(err.code, JoinError.INVALID_OPTIONS, JSON.stringify(options));
    }
    assert.deepEqual(await matchMaker.query({ name: "game" }), []);
  });
});

describe("quick play on two processes sharing Redis and MySQL", function () {
  this.timeout(60_000);
  let redis: RedisServer | undefined;
  let db: TestDatabase | undefined;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  const open: Room<any>[] = [];

  before(async function () {
    requireRedisServer(this);
    await requireMysql(this);
    redis = await RedisServer.start();
    db = await createTestDatabase();
    const env = { MYSQL_URL: db.url, REDIS_URL: redis.url, PUBLIC_ADDRESS: "127.0.0.1:{port}", HEARTBEAT_SECONDS: "0.2", STALE_PROCESS_SECONDS: "3" };
    [a, b] = await Promise.all([startProcess(env), startProcess(env)]);
  });

  afterEach(() => leaveAll(open));

  after(async () => {
    await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
    await db?.drop();
    await redis?.kill();
  });

  it("seats 30 concurrent quick players through both processes, none refused, in rooms that fill", async () => {
    const sdks = [new PlayerSDK(a!.ws), new PlayerSDK(b!.ws)];
    const { seated, refused } = await burst(
      Array.from({ length: 30 }, (_, i) => () => sdks[i % 2].joinOrCreate("game", { name: `P${i}` })),
      open,
    );
    assert.deepEqual(refused, []);
    const filled = sizes(seated);
    // six rooms of five would be perfect; each process may leave one room part-filled
    assert.ok(filled.length <= 7, `${filled.length} rooms: ${filled.join(",")}`);
    assert.ok(filled.filter((n) => n === 5).length >= 5, `rooms of ${filled.join(",")}`);
    // a later quick player tops up a part-filled room instead of opening another
    const before = new Set(seated.map((r) => r.roomId));
    const next = await sdks[0].joinOrCreate("game", { name: "Late" });
    open.push(next);
    if (filled.some((n) => n < 5)) assert.ok(before.has(next.roomId), "the late player joined a part-filled room");
  });
});
