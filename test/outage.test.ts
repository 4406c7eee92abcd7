/**
 * MySQL going away under a running game: a real TCP proxy between the server and MariaDB that the
 * test cuts and restores. Nothing is acknowledged that is not committed, the game pauses instead of
 * breaking, and it goes on when the database is back, without a restart.
 */
import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { replay } from "../src/match/match.ts";
import type { LogEntry } from "../src/match/log.ts";
import { MySqlStore } from "../src/store/mysql/index.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { ask, choose, observe, PlayerSDK, readyAndStart, type Observed } from "./helpers/players.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { reserveSeat } from "../src/rooms/colyseusPrivates.ts";
import { TcpProxy } from "./helpers/tcpProxy.ts";
import { getJson, until } from "./helpers/wait.ts";

describe("a game while MySQL is away", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestServer;
  const open: Room<any>[] = [];

  before(async function () {
    await requireMysql(this);
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 3306) });
    server = await startServer({
      mysqlUrl: proxy.url(db.url),
      storeHoldSeconds: 0.5,
      minTurnSeconds: 0.05,
      awayTurnSeconds: 0.05,
      // a dropped player's window runs out quickly: the room then writes that they are gone
      reconnectSeconds: 0.3,
      maxMessagesPerSecond: 5000,
    });
  });
  afterEach(async () => {
    await proxy?.restore();
    for (const room of open.splice(0)) {
      room.reconnection.enabled = false;
      if (room.connection?.isOpen) await room.leave().catch(() => {});
    }
  });
  after(async () => {
    await server?.stop();
    await proxy?.close();
    await db?.drop();
  });

  async function started(names: string[]): Promise<Observed[]> {
    const sdk = new PlayerSDK(server.ws);
    const host = await sdk.create("game", { name: names[0], turnSeconds: 60 });
    open.push(host);
    const rooms = [host];
    for (const name of names.slice(1)) {
      const room = await sdk.joinById(host.roomId, { name });
      open.push(room);
      rooms.push(room);
    }
    const players = rooms.map(observe);
    await until(() => rooms.every((r) => r.state.players?.size === names.length), "everyone seated");
    await readyAndStart(players);
    return players;
  }

  const roomOf = (o: Observed) => server.colyseus.getRoomById(o.room.roomId) as any;
  const mover = (players: Observed[]) => players.find((p) => p.room.state.currentTurn === p.room.sessionId)!;

  /** The room's log as the database holds it (read directly, not through the proxy). */
  async function storedLog(roomId: string): Promise<LogEntry[]> {
    const reader = new MySqlStore({ url: db.url, staleProcessSeconds: 30 });
    try {
      return (await reader.logs.read(roomId)).map((r) => r.entry as LogEntry);
    } finally {
      await reader.close();
    }
  }

  /** What the database holds for the room, replayed: it must be the live room's match exactly. */
  const storedMatch = async (roomId: string) => replay(await storedLog(roomId));

  it("refuses a move made during a cut with UNAVAILABLE, changes nothing, and accepts it once the database is back", async () => {
    const players = await started(["Ann", "Bob"]);
    const p = mover(players);
    const seq = p.room.state.seq;
    await proxy.cut("refuse");

    const action = choose(p.room.state, p.room.sessionId)!;
    const opId = "during-the-cut";
    p.room.send(action, { opId });
    const refused = await until(() => p.errors.find((e) => e.opId === opId), "the refusal", 5000);
    assert.equal(refused.code, "UNAVAILABLE");
    assert.match(refused.message, /paused/);
    assert.equal(p.acks.some((a) => a.opId === opId), false, "nothing acknowledged that is not committed");
    // while paused, everything is refused at once
    const other = players.find((o) => o !== p)!;
    assert.equal(((await ask(other, "chat", { text: "hello?" })) as any).code, "UNAVAILABLE");
    assert.equal(roomOf(p).state.seq, seq);

    await proxy.restore();
    await until(() => !roomOf(p).keeper.paused, "the room to settle");
    // the player retries with the same opId: applied exactly once
    const answer = await until(async () => {
      p.room.send(action, { opId });
      const ack = await until(() => p.acks.find((a) => a.opId === opId) ?? p.errors.filter((e) => e.opId === opId)[1], "an answer").catch(() => null);
      return ack && "seq" in ack ? ack : null;
    }, "the retried move accepted", 10_000);
    assert.equal(answer.seq, seq + 1);
    await until(() => players.every((o) => o.room.state.seq === seq + 1), "everyone at the new seq");
    assert.deepEqual(await storedMatch(p.room.roomId), roomOf(p).keeper.match, "the log holds exactly what the room shows");
  });

  it("settles a move whose commit outlives the hold time exactly once: the game goes on and the log matches the room", async () => {
    const players = await started(["Ann", "Bob"]);
    const p = mover(players);
    const seq = p.room.state.seq;
    proxy.freeze();
    const action = choose(p.room.state, p.room.sessionId)!;
    const opId = "frozen";
    p.room.send(action, { opId });
    assert.equal((await until(() => p.errors.find((e) => e.opId === opId), "the refusal", 5000)).code, "UNAVAILABLE");
    await proxy.restore();
    await until(() => !roomOf(p).keeper.paused, "the room to settle", 15_000);
    // whether the write landed or not, the retry leaves the move applied exactly once
    p.room.send(action, { opId });
    const ack = await until(() => p.acks.find((a) => a.opId === opId), "the ack", 5000);
    assert.equal(ack.seq, seq + 1);
    assert.equal(roomOf(p).state.seq, seq + 1);
    assert.deepEqual(await storedMatch(p.room.roomId), roomOf(p).keeper.match);
    // and the game goes on
    const next = mover(players);
    assert.ok("seq" in (await ask(next, choose(next.room.state, next.room.sessionId)!)));
  });

  it("records a match that ends during an outage exactly once, after the database is back", async () => {
    const [ann, bob] = await started(["Ann", "Bob"]);
    const code = ann.room.state.code;
    await proxy.cut("refuse");
    // Bob forfeits while the database is away: Ann is the last player standing
    bob.room.reconnection.enabled = false;
    const left = bob.room.leave(true); // the server answers the leave once it is committed
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(roomOf(ann).keeper.match.phase, "playing", "nothing is adopted before it is committed");

    await proxy.restore();
    await left;
    await until(() => ann.room.state.phase === "finished", "the end of the game", 15_000);
    assert.equal(ann.room.state.winner, ann.room.sessionId);
    const recorded = await until(async () => {
      const { body } = await getJson(`${server.http}/matches/recent?limit=50`);
      const mine = body.matches?.filter((m: any) => m.code === code) ?? [];
      return mine.length > 0 ? mine : null;
    }, "the match recorded", 15_000);
    await new Promise((r) => setTimeout(r, 500));
    const { body } = await getJson(`${server.http}/matches/recent?limit=50`);
    assert.equal(body.matches.filter((m: any) => m.code === code).length, 1, "recorded once");
    assert.equal(recorded[0].winner, "Ann");
    assert.deepEqual(await storedMatch(ann.room.roomId), roomOf(ann).keeper.match);
  });

  it("writes a player gone once when the database committed it but its answer came after the hold time, and the game goes on", async () => {
    const players = await started(["Ann", "Bob", "Cy"]);
    const p = mover(players);
    const away = players.find((o) => o !== p)!;
    const awayId = away.room.sessionId;
    const gone = async () => (await storedLog(p.room.roomId)).filter((e) => e.t === "gone" && e.id === awayId).length;

    // the answers of the database are held: its write of "gone" lands, the room hears nothing for longer than its hold
    proxy.freezeReplies();
    away.room.reconnection.enabled = false;
    await away.room.leave(false); // a dropped connection, not a leave: after its window the player is gone
    await until(async () => (await gone()) === 1, "the gone entry in the database", 5000);
    await until(() => roomOf(p).keeper.paused, "the room to pause: the write's outcome is unknown to it");
    await proxy.restore();
    await until(() => !roomOf(p).keeper.paused, "the room to settle");
    await until(() => p.room.state.players.get(awayId)?.connected === false, "the player shown as away");

    // the game goes on; the entry was adopted once, not proposed again
    const action = choose(p.room.state, p.room.sessionId)!;
    assert.ok("seq" in (await ask(p, action)), action);
    assert.equal(await gone(), 1, "one gone entry for the player");
    assert.deepEqual(await storedMatch(p.room.roomId), roomOf(p).keeper.match, "the log holds exactly what the room shows");
  });

  it("counts a player whose seat is still being written as seated: a sixth seat is not reserved meanwhile", async () => {
    const sdk = new PlayerSDK(server.ws);
    const host = await sdk.create("game", { name: "P1" });
    open.push(host);
    for (const name of ["P2", "P3", "P4"]) open.push(await sdk.joinById(host.roomId, { name }));
    await until(() => host.state.players?.size === 4, "four seated");
    const room = server.colyseus.getRoomById(host.roomId) as any;

    // the fifth player's seat entry waits for the database: Colyseus has used the reservation, the room has no seat for it yet
    proxy.freeze();
    const fifth = sdk.joinById(host.roomId, { name: "P5" });
    let fifthSettled = false;
    void fifth.then(
      () => (fifthSettled = true),
      () => (fifthSettled = true),
    );
    await until(() => room.clients.length === 5, "the fifth player's join under way");
    assert.equal(room.keeper.match.players.length, 4, "the fifth seat is not written yet");
    // what the matchmaker does for a quick player it sends here
    const sixth = await reserveSeat(room, "sixth-session", { name: "P6" });
    assert.equal(fifthSettled, false, "asked while the fifth seat was being written");
    assert.equal(sixth, false, "a sixth seat reserved in a room of five");

    await proxy.restore();
    open.push(await fifth);
    await until(() => host.state.players?.size === 5, "five seated");
  });

  it("reports the database down in /health during the cut and up again after it", async () => {
    await proxy.cut("refuse");
    const down = await until(async () => {
      const answer = await getJson(`${server.http}/health`);
      return answer.status === 503 ? answer : null;
    }, "a 503 from /health", 5000);
    assert.equal(down.body.database.ok, false);
    await proxy.restore();
    await until(async () => (await getJson(`${server.http}/health`)).status === 200, "/health up again", 10_000);
  });
});
