/**
 * Games outlive their process (MySQL): real server processes killed with SIGKILL or stopped with
 * SIGTERM, real SDK clients taking their seats back by token, the state compared field by field.
 */
import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { CLOSE_REJOIN } from "../src/messages/contract.ts";
import { processesPerTest } from "./helpers/fleet.ts";
import { ask, choose, observe, PlayerSDK, playToTheEnd, readyAndStart, rejoinSeat, type Observed } from "./helpers/players.ts";
import type { ServerProcess } from "./helpers/process.ts";
import { REDIS_TEST_URL, flushRedis, requireRedis } from "./helpers/redis.ts";
import { getJson, until } from "./helpers/wait.ts";

const FAST = {
  // codes polled while a room is restored answer 404 a few times: not what the guessing limit is for
  CODE_LOOKUP_LIMIT: "10000",
  HEARTBEAT_SECONDS: "0.2",
  STALE_PROCESS_SECONDS: "1",
  RECONNECT_SECONDS: "5",
  MIN_TURN_SECONDS: "0.05",
  AWAY_TURN_SECONDS: "0.05",
  MAX_MESSAGES_PER_SECOND: "5000",
};

/** The synchronized state as a client sees it, without who is connected right now. */
function snapshot(room: Room<any>) {
  const state = room.state.toJSON();
  for (const player of Object.values(state.players) as Array<{ connected?: boolean }>) delete player.connected;
  return state;
}

async function seatToken(o: Observed) {
  return until(() => o.seats.at(-1), "the seat token");
}

const rejoin = (server: ServerProcess, code: string, token: string) => rejoinSeat(server, code, token);

async function gameOf(server: ServerProcess, names: string[], options: Record<string, unknown> = {}) {
  const sdk = new PlayerSDK(server.ws);
  const host = await sdk.create("game", { name: names[0], turnSeconds: 60, maxRounds: 3, ...options });
  const rooms: Room<any>[] = [host];
  for (const name of names.slice(1)) rooms.push(await sdk.joinById(host.roomId, { name }));
  const players = rooms.map(observe);
  await until(() => rooms.every((r) => r.state.players?.size === names.length), "everyone seated");
  await readyAndStart(players);
  return players;
}

/** Plays `count` accepted moves by whoever is on turn; returns every ack received. */
async function playMoves(players: Observed[], count: number) {
  for (let i = 0; i < count; i++) {
    const mover = players.find((p) => p.room.state.currentTurn === p.room.sessionId)!;
    const action = choose(mover.room.state, mover.room.sessionId)!;
    const answer = await ask(mover, action);
    assert.ok("seq" in answer, JSON.stringify(answer));
    await until(() => players.every((p) => p.room.state.seq === answer.seq), "every client at the ack's seq");
  }
}

const leftWith = (o: Observed) => new Promise<number>((resolve) => o.room.onLeave((code) => resolve(code)));

describe("a game outlives the process that hosts it", function () {
  this.timeout(120_000);
  const fleet = processesPerTest(FAST);
  const start = (env: Record<string, string> = {}, port?: number) => fleet.start(env, port);

  it("comes back after SIGKILL mid-turn and a restart on the same port: same roomId, code, seats and state, every ack kept, one recorded match", async () => {
    const first = await start();
    assert.match(first.output(), /store: MySQL \(MYSQL_URL\): rooms outlive this process/);
    const players = await gameOf(first, ["Ann", "Bob", "Cy"]);
    const code = players[0].room.state.code;
    const roomId = players[0].room.roomId;
    const tokens = await Promise.all(players.map(seatToken));
    await playMoves(players, 7);
    // mid-turn: the player on turn has rolled and not ended the turn yet
    const mover = players.find((p) => p.room.state.currentTurn === p.room.sessionId)!;
    if (mover.room.state.stage === "roll") await playMoves(players, 1);
    const before = snapshot(players[0].room);
    const acked = players.flatMap((p) => p.acks.filter((a) => a.opId).map((a) => ({ player: p, ack: a })));
    for (const p of players) p.room.reconnection.enabled = false;

    const dropped = players.map(leftWith);
    await first.stop("SIGKILL");
    await Promise.all(dropped);

    const second = await start({}, first.port);
    const byCode = await until(async () => {
      const answer = await getJson(`${second.http}/rooms/${code}`);
      return answer.status === 200 ? answer.body : null;
    }, "the code to resolve again", 10_000);
    assert.equal(byCode.roomId, roomId);

    const back: Observed[] = [];
    for (const [i, token] of tokens.entries()) {
      const player = await rejoin(second, code, token);
      assert.equal(player.room.sessionId, players[i].room.sessionId, "the same sessionId");
      back.push(player);
    }
    await until(() => back.every((p) => p.room.state.players?.size === 3 && p.room.state.seq === before.seq), "the restored state");
    for (const p of back) assert.deepEqual(snapshot(p.room), before);
    for (const [i, p] of back.entries()) assert.equal(p.room.state.players.get(p.room.sessionId).seat, players[i].room.state.players.get(p.room.sessionId).seat);

    // every acknowledged action is in the restored log: its opId answers with the same ack, applies nothing
    for (const { player, ack } of acked) {
      const again = back[players.indexOf(player)];
      again.room.send("ready", { ready: true, opId: ack.opId });
      const answer = await until(() => again.acks.find((a) => a.opId === ack.opId), `the repeat of ${ack.opId}`);
      assert.deepEqual(answer, ack);
    }
    assert.equal(back[0].room.state.seq, before.seq);

    await playToTheEnd(back, 90_000);
    const matches = await until(async () => {
      const { body } = await getJson(`${second.http}/matches/recent?limit=50`);
      const mine = body.matches?.filter((m: any) => m.code === code) ?? [];
      return mine.length > 0 ? mine : null;
    }, "the match recorded");
    assert.equal(matches.length, 1);
    for (const p of back) await p.room.leave();
  });

  it("after SIGTERM of the only process, has the next start on the same port restore its rooms: the players rejoin with the same seats", async () => {
    const first = await start();
    const players = await gameOf(first, ["Ann", "Bob"]);
    const code = players[0].room.state.code;
    await playMoves(players, 3);
    const before = snapshot(players[0].room);
    const tokens = await Promise.all(players.map(seatToken));
    const closes = players.map(leftWith);
    await first.stop("SIGTERM");
    assert.deepEqual(await Promise.all(closes), [CLOSE_REJOIN, CLOSE_REJOIN]);

    const second = await start({}, first.port);
    const back: Observed[] = [];
    for (const token of tokens) back.push(await rejoin(second, code, token));
    for (const [i, p] of back.entries()) assert.equal(p.room.sessionId, players[i].room.sessionId);
    await until(() => back.every((p) => p.room.state.seq === before.seq && p.room.state.players?.size === 2), "the restored state");
    assert.deepEqual(snapshot(back[0].room), before);
    await playMoves(back, 2);
    for (const p of back) await p.room.leave();
  });

  it("ends a restored game whose players do not come back once RESTORE_WAIT_SECONDS runs out, a forfeited first seat included: the room is disposed, its code released, nothing thrown", async () => {
    const first = await start({ RESTORE_WAIT_SECONDS: "1" });
    const players = await gameOf(first, ["Ann", "Bob", "Cy"]);
    const code = players[0].room.state.code;
    // the first seat forfeits: when the wait runs out, that seat has nothing left to log
    const seq = players[1].room.state.seq;
    await players[0].room.leave();
    await until(() => players[1].room.state.seq > seq, "Ann's forfeit seen");
    await first.stop("SIGKILL");

    const second = await start({ RESTORE_WAIT_SECONDS: "1" }, first.port);
    await until(async () => (await getJson(`${second.http}/health`)).body.rooms === 0, "the restored room disposed", 10_000);
    // the code is released by the room's dispose, a write of its own that may land just after the room is gone
    await until(async () => (await getJson(`${second.http}/rooms/${code}`)).status === 404, "its code released (404)", 5_000);
    assert.doesNotMatch(second.output(), /uncaught exception|Maximum call stack/);
  });

  it("answers GET /rooms/:code of a room whose process died, until another process restores it, with 503 and Retry-After, not counted as a guess; then with the room", async () => {
    // the survivor must not find the dead process stale at once: the window between is what is tested
    const slow = { STALE_PROCESS_SECONDS: "6", CODE_LOOKUP_LIMIT: "2" };
    const doomed = await start(slow);
    const [ann] = await gameOf(doomed, ["Ann", "Bob"]);
    const code = ann.room.state.code;
    const survivor = await start(slow);
    await doomed.stop("SIGKILL");
    // more answers than the limit of failed look-ups (2): were they counted, the last ones would be 429
    for (let i = 0; i < 4; i++) {
      const answer = await getJson(`${survivor.http}/rooms/${code}`);
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, "UNAVAILABLE");
      assert.equal(answer.headers.get("retry-after"), "1");
    }
    const restored = await until(async () => {
      const answer = await getJson(`${survivor.http}/rooms/${code}`);
      return answer.status === 200 ? answer.body : null;
    }, "the room restored on the survivor", 20_000);
    assert.equal(restored.roomId, ann.room.roomId);
  });

  it("lets a later process on another port restore a dead process's rooms once its heartbeat is stale, and only one of two racing processes runs each room", async () => {
    const doomed = await start();
    const sdk = new PlayerSDK(doomed.ws);
    const rooms: Room<any>[] = [];
    for (let i = 0; i < 8; i++) rooms.push(await sdk.create("game", { name: `Host${i}` }));
    await until(() => rooms.every((r) => r.state.code), "every room's code");
    const codes = rooms.map((r) => r.state.code as string);
    const tokens = await Promise.all(rooms.map((r) => seatToken(observe(r))));
    for (const r of rooms) r.reconnection.enabled = false;
    await doomed.stop("SIGKILL");

    // two processes start at once, both find the same orphans
    await new Promise((r) => setTimeout(r, 1200));
    // (restored rooms wait that long for their players)
    const [p, q] = await Promise.all([start({ RESTORE_WAIT_SECONDS: "60" }), start({ RESTORE_WAIT_SECONDS: "60" })]);
    const counts = await until(async () => {
      const [a, b] = await Promise.all([getJson(`${p.http}/health`), getJson(`${q.http}/health`)]);
      return a.body.rooms + b.body.rooms === rooms.length ? [a.body.rooms, b.body.rooms] : null;
    }, "every room restored once", 20_000);
    assert.equal(counts[0] + counts[1], rooms.length, "no room runs twice");
    // and each answers on the process that claimed it
    for (const [i, code] of codes.entries()) {
      const statuses = await Promise.all([p, q].map(async (s) => (await getJson(`${s.http}/rooms/${code}`)).status));
      assert.ok(statuses.includes(200), `${code} resolves`);
      const back = await rejoin(statuses[0] === 200 ? p : q, code, tokens[i]);
      await until(() => back.room.state.code === code, "the restored room's state");
      await back.room.leave();
    }
  });

  it("on SIGTERM hands its rooms to the other process at once; the players rejoin there and the codes resolve on both", async function () {
    await requireRedis(this);
    await flushRedis();
    const env = { REDIS_URL: REDIS_TEST_URL, PUBLIC_ADDRESS: "127.0.0.1:{port}", STALE_PROCESS_SECONDS: "60", HEARTBEAT_SECONDS: "30" };
    const a = await start(env);
    const b = await start(env);
    const players = await gameOf(a, ["Ann", "Bob"]);
    const code = players[0].room.state.code;
    await playMoves(players, 3);
    const before = snapshot(players[0].room);
    const tokens = await Promise.all(players.map(seatToken));
    const closes = players.map(leftWith);

    const stopping = a.stop("SIGTERM");
    assert.deepEqual(await Promise.all(closes), [CLOSE_REJOIN, CLOSE_REJOIN], "players are told to rejoin");
    await stopping;

    // B took the room over without waiting for A's heartbeat to go stale (60 s)
    const back: Observed[] = [];
    for (const token of tokens) back.push(await rejoin(b, code, token));
    await until(() => back.every((p) => p.room.state.seq === before.seq && p.room.state.players?.size === 2), "the state on B");
    assert.deepEqual(snapshot(back[0].room), before);
    const aAgain = await start(env);
    for (const server of [b, aAgain]) {
      const { status, body } = await getJson(`${server.http}/rooms/${code}`);
      assert.equal(status, 200, `the code resolves on ${server.port}`);
      assert.equal(body.phase, "playing");
    }
    await playMoves(back, 2);
    for (const p of back) await p.room.leave();
    await flushRedis();
  });
});
