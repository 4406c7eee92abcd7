/**
 * What a flooder gets: cut by MAX_MESSAGES_PER_SECOND with no reconnection window (its seat is gone at
 * once), its seat cooling down before a rejoin, its address refused at matchmaking after repeated
 * cuts; and a frame over 64 KiB ends its connection from the frame header, without being read.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Room } from "@colyseus/sdk";
import WebSocket from "ws";
import { observe, PlayerSDK, readyAndStart, type Observed } from "./helpers/players.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { startProcess, type ServerProcess } from "./helpers/process.ts";
import { REDIS_TEST_URL, flushRedis, requireRedis } from "./helpers/redis.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { getJson, until } from "./helpers/wait.ts";

const FLOOD_CUT = 4002;

/** Sends chats far over the limit and resolves with the close code the server cut the client with. */
async function flood(player: Observed): Promise<number> {
  player.room.reconnection.enabled = false;
  const left = new Promise<number>((resolve) => player.room.onLeave((code: number) => resolve(code)));
  for (let i = 0; i < 60; i++) player.room.send("chat", { text: `spam ${i}` });
  return left;
}

const refused = (promise: Promise<unknown>) =>
  promise.then(
    () => false,
    () => true,
  );

describe("flooding clients", function () {
  this.timeout(30_000);
  let server: TestServer;
  let sdk: PlayerSDK;
  const open: Room<any>[] = [];

  before(async () => {
    // a long reconnection window: a seat freed at once is freed by the flood rule, not the window
    server = await startServer({ maxMessagesPerSecond: 10, reconnectSeconds: 30, minTurnSeconds: 0.05, awayTurnSeconds: 0.05, floodRejoinCooldownSeconds: 1, floodCutLimit: 1000 });
    sdk = new PlayerSDK(server.ws);
  });
  afterEach(async () => {
    for (const room of open.splice(0)) {
      room.reconnection.enabled = false;
      if (room.connection?.isOpen) await room.leave().catch(() => {});
    }
    await server.colyseus.cleanup();
  });
  after(() => server.stop());

  const lobby = async (names: string[]) => {
    const host = await sdk.create("game", { name: names[0], turnSeconds: 0.3 });
    open.push(host);
    const players = [observe(host)];
    for (const name of names.slice(1)) {
      const room = await sdk.joinById(host.roomId, { name });
      open.push(room);
      players.push(observe(room));
    }
    await until(() => players.every((p) => p.room.state.players?.size === names.length), "everyone seated");
    return players;
  };

  it("does not cut a client that sends more than the limit in all but fewer in any second, even while nothing changes in its room", async () => {
    const [ann] = await lobby(["Ann", "Bob"]);
    let cut: number | null = null;
    ann.room.onLeave((code: number) => (cut = code));
    // each one refused (the game has not started): nothing is shown, so nothing but the message itself moves the room's clock
    for (let i = 0; i < 15; i++) {
      ann.room.send("roll", { opId: `early-${i}` });
      await new Promise((r) => setTimeout(r, 250));
    }
    await until(() => ann.errors.filter((e) => e.code === "WRONG_PHASE").length === 15, "every roll refused");
    assert.equal(cut, null);
    assert.ok(ann.room.connection.isOpen);
  });

  it("runs no periodic work in an idle room: no patch goes out while nobody acts", async () => {
    const [ann] = await lobby(["Ann", "Bob"]);
    const room = server.colyseus.getRoomById(ann.room.roomId) as unknown as { broadcastPatch(): boolean };
    let patches = 0;
    const broadcastPatch = room.broadcastPatch.bind(room);
    room.broadcastPatch = () => {
      patches++;
      return broadcastPatch();
    };
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(patches, 0);
    // and a change still goes out at once
    ann.room.send("ready", { ready: true });
    await until(() => patches > 0, "the ready shown");
  });

  it("removes a flooder's seat in the lobby at once and does not let it back in with its reconnection token", async () => {
    const [ann, bob] = await lobby(["Ann", "Bob"]);
    const bobId = bob.room.sessionId;
    const token = bob.room.reconnectionToken;
    assert.equal(await flood(bob), FLOOD_CUT);
    await until(() => !ann.room.state.players.has(bobId), "Bob's seat removed", 2000);
    assert.ok(await refused(sdk.reconnect(token)), "the reconnection token no longer opens the seat");
    assert.ok(!ann.room.state.players.has(bobId));
  });

  it("plays a flooder's turns during a game, refuses its reconnection token and its rejoin with 429 until the cool-down ends", async () => {
    const players = await lobby(["Ann", "Bob"]);
    await readyAndStart(players);
    const [ann, bob] = players;
    const bobId = bob.room.sessionId;
    const token = bob.room.reconnectionToken;
    const seatToken = bob.seats.at(-1)!;
    assert.equal(await flood(bob), FLOOD_CUT);
    assert.ok(await refused(sdk.reconnect(token)), "the reconnection token no longer opens the seat");

    const rejoin = () =>
      getJson(`${server.http}/rooms/${ann.room.state.code}/rejoin`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seatToken }),
      });
    const cooling = await rejoin();
    assert.equal(cooling.status, 429);
    assert.equal(cooling.body.error.code, "TOO_MANY_ATTEMPTS");
    assert.ok(Number(cooling.headers.get("retry-after")) >= 1);

    const rolledByServer = () => ann.events.filter((e) => e.type === "dice_rolled" && e.player === bobId).length;
    await until(() => rolledByServer() >= 2, "two of Bob's turns played by the server", 10_000);
    assert.ok(ann.room.state.players.has(bobId), "Bob keeps his seat in the game");

    // after the cool-down (1 s here) the seat token takes the seat back
    const back = await until(async () => {
      const answer = await rejoin();
      return answer.status === 429 ? null : answer;
    }, "the cool-down to end", 5000);
    assert.equal(back.status, 200, JSON.stringify(back.body));
    const bobAgain = await new PlayerSDK(server.ws).consumeSeatReservation(back.body.reservation);
    open.push(bobAgain);
    assert.equal(bobAgain.sessionId, bobId);
  });
});

describe("an address cut for flooding again and again", function () {
  this.timeout(30_000);
  let server: TestServer;
  let sdk: PlayerSDK;

  before(async () => {
    server = await startServer({ maxMessagesPerSecond: 10, reconnectSeconds: 30, floodCutLimit: 3, floodCutWindowSeconds: 300, floodBlockSeconds: 600 });
    sdk = new PlayerSDK(server.ws);
  });
  after(() => server.stop());

  const matchmake = () =>
    getJson(`${server.http}/matchmake/create/game`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Eve" }),
    });

  it("is refused at matchmaking with 429 TOO_MANY_ATTEMPTS and Retry-After after its third cut within the window", async () => {
    for (let cut = 1; cut <= 3; cut++) {
      const room = await sdk.create("game", { name: `Eve ${cut}` });
      assert.equal(await flood(observe(room)), FLOOD_CUT);
      if (cut < 3) {
        const allowed = await until(async () => ((await matchmake()).status === 200 ? true : null), `matchmaking after cut ${cut}`);
        assert.ok(allowed);
      }
    }
    const answer = await until(async () => {
      const a = await matchmake();
      return a.status === 429 ? a : null;
    }, "the third cut to be counted");
    const retryAfter = Number(answer.headers.get("retry-after"));
    assert.ok(retryAfter > 590 && retryAfter <= 600, `Retry-After ${retryAfter}`);
    assert.match(answer.body.error, /TOO_MANY_ATTEMPTS/);
    assert.equal(answer.body.code, 429);
    assert.equal(answer.headers.get("x-content-type-options"), "nosniff");
    // the SDK reads it as a refusal with the status as its code
    const err = await sdk.create("game", { name: "Eve" }).then(
      () => null,
      (e: { code: number }) => e,
    );
    assert.equal(err?.code, 429);
  });
});

describe("flood cuts on two processes sharing Redis", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let processes: ServerProcess[] = [];
  /** Set once the suite has Redis: a skipped suite leaves it alone. */
  let usingRedis = false;

  before(async function () {
    await requireRedis(this);
    await requireMysql(this);
    usingRedis = true;
    await flushRedis();
    db = await createTestDatabase();
    const env = { MYSQL_URL: db.url, REDIS_URL: REDIS_TEST_URL, PUBLIC_ADDRESS: "127.0.0.1:{port}", MAX_MESSAGES_PER_SECOND: "10", FLOOD_CUT_LIMIT: "3" };
    processes = await Promise.all([startProcess(env), startProcess(env)]);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop("SIGKILL")));
    await db?.drop();
    if (usingRedis) await flushRedis();
  });

  it("counts an address's cuts on every process: after three, both refuse its matchmaking with 429", async () => {
    for (let cut = 0; cut < 3; cut++) {
      const room = await new PlayerSDK(processes[cut % 2].ws).create("game", { name: `Eve ${cut}` });
      assert.equal(await flood(observe(room)), FLOOD_CUT);
    }
    for (const via of processes) {
      const answer = await until(async () => {
        const a = await getJson(`${via.http}/matchmake/create/game`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "Eve" }),
        });
        return a.status === 429 ? a : null;
      }, `a 429 from the process on port ${via.port}`);
      assert.ok(Number(answer.headers.get("retry-after")) > 590);
    }
  });
});

describe("a frame over 64 KiB", function () {
  this.timeout(60_000);

  const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

  it("ends its connection with 1009 from the frame header: a 16 MB frame grows the server's RSS by less than 2 MB", async () => {
    const server = await startProcess({});
    try {
      const seat = await getJson(`${server.http}/matchmake/create/game`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Mallory" }),
      });
      assert.equal(seat.status, 200, JSON.stringify(seat.body));
      const url = `${server.ws}/${seat.body.processId}/${seat.body.roomId}?sessionId=${seat.body.sessionId}`;
      const socket = new WebSocket(url);
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      const frame = Buffer.alloc(16 * 1024 * 1024, 7);
      await new Promise((r) => setTimeout(r, 500));
      const pid = server.child.pid!;
      const before = rssKb(pid);
      const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
      socket.on("error", () => {});
      const sent = Date.now();
      socket.send(frame);
      const code = await closed;
      const closedAfterMs = Date.now() - sent;
      await new Promise((r) => setTimeout(r, 500));
      const after = rssKb(pid);
      console.log(`      server RSS ${before} kB before, ${after} kB after (+${after - before} kB), close ${code} after ${closedAfterMs} ms`);
      assert.equal(code, 1009);
      assert.ok(closedAfterMs < 3000, `closed after ${closedAfterMs} ms`);
      assert.ok(after - before < 2048, `RSS grew by ${after - before} kB`);
      assert.equal((await fetch(`${server.http}/health`)).status, 200);
    } finally {
      await server.stop();
    }
  });
});
