/**
 * Redis restarting empty under two running processes: a redis-server of this spec's own is killed
 * and started again with no data, while a public room waits in the lobby and a game is in progress.
 * Within 10 s every live room is listed again, its code resolves on both processes, its players get
 * back in (SDK reconnect and rejoin by seat token, each through the other process), and a new room
 * is created through one process and joined by code through the other. Then Redis stays away long
 * enough for waiting commands to fail, and listing and quick play still come back.
 */
import assert from "node:assert/strict";
import { ColyseusSDK, type Room } from "@colyseus/sdk";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { ask, observe, PlayerSDK, type Observed } from "./helpers/players.ts";
import { startProcess, type ServerProcess } from "./helpers/process.ts";
import { RedisServer, requireRedisServer } from "./helpers/redisServer.ts";
import { getJson, until } from "./helpers/wait.ts";

/** What the requirement allows from Redis answering again to everything working again. */
const RECOVERY_MS = 10_000;

/** A lobby client that keeps the listing it is sent, from the first message on. */
class LobbySDK extends ColyseusSDK {
  readonly listed = new Map<string, any>();
  protected override createRoom<T>(roomName: string, rootSchema?: any): Room<any, T> {
    const room = super.createRoom<T>(roomName, rootSchema);
    room.onMessage("rooms", (rooms: any[]) => {
      this.listed.clear();
      for (const r of rooms) this.listed.set(r.roomId, r);
    });
    room.onMessage("+", ([roomId, r]: [string, any]) => this.listed.set(roomId, r));
    room.onMessage("-", (roomId: string) => this.listed.delete(roomId));
    return room;
  }
}

describe("a Redis restart that loses everything, under two processes", function () {
  this.timeout(60_000);
  let redis: RedisServer | null = null;
  let db: TestDatabase | null = null;
  let a: ServerProcess | null = null;
  let b: ServerProcess | null = null;
  const open: Room<any>[] = [];

  /** Ann's public room (through A) in the lobby phase; Bob (through B) closed his tab. */
  let ann: Observed;
  let bob: { sessionId: string; seatToken: string };
  /** Bea's game (through B) in progress; Cy (through A) lost his connection. */
  let bea: Observed;
  let cy: { sessionId: string; reconnectionToken: string };
  /** A lobby client that joined as soon as Redis answered again, before anything was listed again. */
  let lobby: LobbySDK;
  /** When Redis last answered again, empty. */
  let backAt = 0;
  const left = () => Math.max(0, backAt + RECOVERY_MS - Date.now());

  const keep = <T extends Room<any>>(room: T) => {
    open.push(room);
    return room;
  };
  const tokenOf = (o: Observed) => until(() => o.seats.at(-1), "the seat token");
  /** The body of a 200 answer, within what is left of the 10 s. */
  const answered = (what: string, url: string, init?: RequestInit) =>
    until(async () => {
      const answer = await getJson(url, init);
      return answer.status === 200 ? answer.body : null;
    }, what, left());

  /** Drops a client's connection without its SDK coming back by itself; resolves once the room shows it. */
  async function drop(o: Observed, seen: Observed) {
    o.room.reconnection.enabled = false;
    o.room.connection.close(4999 as any);
    await until(() => seen.room.state.players.get(o.room.sessionId)?.connected === false, "the drop seen by the room");
  }

  before(async function () {
    requireRedisServer(this);
    await requireMysql(this);
    redis = await RedisServer.start();
    db = await createTestDatabase();
    // the look-ups polled while Redis is away fail by the dozen: not what the guessing limit is for
    const env = { MYSQL_URL: db.url, REDIS_URL: redis.url, PUBLIC_ADDRESS: "127.0.0.1:{port}", CODE_LOOKUP_LIMIT: "10000" };
    [a, b] = await Promise.all([startProcess(env), startProcess(env)]);

    ann = observe(keep(await new PlayerSDK(a.ws).create("game", { name: "Ann" })));
    const bobRoom = observe(keep(await new PlayerSDK(b.ws).joinById(ann.room.roomId, { name: "Bob" })));
    await until(() => ann.room.state.players.size === 2, "Bob in Ann's room");
    bob = { sessionId: bobRoom.room.sessionId, seatToken: await tokenOf(bobRoom) };

    bea = observe(keep(await new PlayerSDK(b.ws).create("game", { name: "Bea", turnSeconds: 60 })));
    const cyRoom = observe(keep(await new PlayerSDK(a.ws).joinById(bea.room.roomId, { name: "Cy" })));
    await until(() => bea.room.state.players.size === 2, "Cy in Bea's room");
    for (const p of [bea, cyRoom]) await ask(p, "ready", { ready: true });
    await ask(bea, "start");
    await until(() => cyRoom.room.state.phase === "playing", "the game to start");
    cy = { sessionId: cyRoom.room.sessionId, reconnectionToken: cyRoom.room.reconnectionToken };

    // dropped before Redis goes: nothing about them is queued for the new Redis
    await drop(bobRoom, ann);
    await drop(cyRoom, bea);
    await Promise.all([ann.room.state.code, bea.room.state.code].map(async (code) => assert.equal((await getJson(`${b!.http}/rooms/${code}`)).status, 200)));

    await redis.restart();
    backAt = Date.now();
    lobby = new LobbySDK(b.ws);
    keep(await lobby.joinOrCreate("lobby"));
  });

  after(async () => {
    try {
      for (const room of open.splice(0)) {
        room.reconnection.enabled = false;
        if (room.connection?.isOpen) await room.leave().catch(() => {});
      }
      await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
    } finally {
      await redis?.kill();
      await db?.drop();
    }
  });

  it("lists the public room again in GET /rooms on both processes", async () => {
    for (const p of [a!, b!]) {
      await until(async () => (await getJson(`${p.http}/rooms`)).body.rooms?.some((r: any) => r.roomId === ann.room.roomId), `Ann's room in ${p.http}/rooms`, left());
    }
  });

  it("resolves the code of every live room on both processes", async () => {
    for (const room of [ann.room, bea.room]) {
      for (const p of [a!, b!]) {
        const body = await answered(`code ${room.state.code} on ${p.http}`, `${p.http}/rooms/${room.state.code}`);
        assert.equal(body.roomId, room.roomId);
      }
    }
  });

  it("shows the public room to a lobby client that joined while nothing was listed", async () => {
    await until(() => lobby.listed.has(ann.room.roomId), "Ann's room in the lobby", left());
  });

  it("reconnects the game's dropped player with the SDK, through the other process, and the game goes on", async () => {
    const sdk = new PlayerSDK(a!.ws);
    const back = observe(keep(await until(() => sdk.reconnect(cy.reconnectionToken).catch(() => null), "Cy's reconnection", left())));
    assert.equal(back.room.sessionId, cy.sessionId);
    await until(() => bea.room.state.players.get(cy.sessionId)?.connected === true, "Cy shown as connected", left());
    const mover = [bea, back].find((o) => o.room.state.currentTurn === o.room.sessionId)!;
    const answer = await ask(mover, "roll");
    assert.ok("seq" in answer, JSON.stringify(answer));
  });

  it("takes the lobby player who closed his tab back into his seat by seat token, through the other process", async () => {
    const body = await answered("Bob's rejoin", `${b!.http}/rooms/${ann.room.state.code}/rejoin`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seatToken: bob.seatToken }),
    });
    const back = keep(await new PlayerSDK(b!.ws).consumeSeatReservation(body.reservation));
    assert.equal(back.sessionId, bob.sessionId);
    await until(() => ann.room.state.players.get(bob.sessionId)?.connected === true, "Bob shown as connected", left());
  });

  it("creates a new room through one process and joins it by code through the other", async () => {
    const eve = keep(await new PlayerSDK(a!.ws).create("game", { name: "Eve" }));
    const code = await until(() => eve.state.code, "the new room's code");
    const body = await answered("the new code on B", `${b!.http}/rooms/${code}`);
    keep(await new PlayerSDK(b!.ws).joinById(body.roomId, { name: "Finn" }));
    await until(() => eve.state.players.size === 2, "Finn in Eve's room", left());
  });

  it("lists rooms and quick-plays again after an outage long enough for Redis commands to fail", async () => {
    await redis!.kill();
    // ioredis gives a waiting command up after 20 reconnection attempts (about 10 s)
    const during = await Promise.all([a!, b!].map((p) => getJson(`${p.http}/rooms`)));
    assert.deepEqual(during.map((r) => r.status), [500, 500], "the listing failed while Redis was away");
    await redis!.startAgain();
    backAt = Date.now();
    for (const p of [a!, b!]) {
      await until(async () => (await getJson(`${p.http}/rooms`)).body.rooms?.some((r: any) => r.roomId === ann.room.roomId), `Ann's room in ${p.http}/rooms`, left());
    }
    const gus = keep(await until(() => new PlayerSDK(a!.ws).joinOrCreate("game", { name: "Gus" }).catch(() => null), "a quick-play join through A", left()));
    await until(() => gus.state.players?.size > 0, "Gus seated", left());
  });
});
