/**
 * Play again (`rematch`) through real SDK clients: after a finished game the host turns the room
 * back into a lobby with the same code, the players still there in their seats, nobody ready; the
 * next game has a new seed and the next match number; the finished match stays recorded and each
 * match of the room replays exactly from its part of the log. And a rematch survives SIGKILL of
 * its process, in its lobby and in its game (MySQL, real server processes).
 */
import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import * as rules from "../src/game/index.ts";
import type { LogEntry } from "../src/match/log.ts";
import { openMatch, propose, replay, type Match } from "../src/match/match.ts";
import { checkReplay, replayOfLog } from "../src/match/replay.ts";
import { backends } from "./helpers/backends.ts";
import { processesPerTest } from "./helpers/fleet.ts";
import { PlayerSDK, ask, choose, observe, playToTheEnd, readyAndStart, rejoinSeat, type Observed } from "./helpers/players.ts";
import type { ServerProcess } from "./helpers/process.ts";
import { serverSuite } from "./helpers/suite.ts";
import { getJson, until } from "./helpers/wait.ts";

/** The finished matches of a room's code, oldest first (GET /matches/recent lists newest first). */
async function matchesOf(http: string, code: string, count: number) {
  return until(async () => {
    const { body } = await getJson(`${http}/matches/recent?limit=50`);
    const mine = (body.matches ?? []).filter((m: any) => m.code === code);
    return mine.length >= count ? mine.reverse() : null;
  }, `${count} recorded match(es) of ${code}`, 15_000);
}

/** GET /matches/:id/replay, checked with the rules alone. */
async function replayOf(http: string, id: number) {
  const { status, body } = await getJson(`${http}/matches/${id}/replay`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(checkReplay(body), [], `match ${id} replays exactly`);
  return body;
}

/** The pure step of a rematch (src/match/match.ts), no server: a log of two matches, replayed. */
describe("the rematch entry of the match log", () => {
  const clock = { at: 1_700_000_000_000 };
  function offer(log: LogEntry[], match: Match, draft: Record<string, unknown>): { match: Match; code: string | null } {
    clock.at += 1000;
    const { entry, result } = propose(match, { ...draft, at: clock.at } as LogEntry, { awayTurnSeconds: 3 });
    if (!result.ok) return { match, code: result.error.code };
    log.push(entry);
    return { match: result.match, code: null };
  }
  /** A room of Ann, Bob and Cy whose one-round game was played to the end by the server. */
  function finishedRoom() {
    const open: LogEntry = { t: "open", at: clock.at, code: "123456", options: { private: false, maxPlayers: 5, maxRounds: 1, turnSeconds: 30 } };
    const log: LogEntry[] = [open];
    let m = openMatch(open);
    for (const [i, id] of ["ann", "bob", "cy"].entries()) m = offer(log, m, { t: "seat", id, name: id, seat: i, tokenHash: `hash-${id}` }).match;
    for (const id of ["ann", "bob", "cy"]) m = offer(log, m, { t: "ready", id, ready: true }).match;
    m = offer(log, m, { t: "start", id: "ann", seed: 42, deadline: 0 }).match;
    while (m.phase === "playing") m = offer(log, m, { t: "auto", id: rules.currentPlayerId(m.game!), deadline: 0 }).match;
    return { log, match: m };
  }

  it("turns a finished room into the next match's lobby: the kept players in their seats, nobody ready, the host kept, match 2, the opIds forgotten", () => {
    const { log, match } = finishedRoom();
    assert.equal(match.phase, "finished");
    const { match: next, code } = offer(log, match, { t: "rematch", id: "ann", keep: ["ann", "cy"], opId: "again" });
    assert.equal(code, null);
    assert.deepEqual([next.phase, next.number, next.hostId, next.game, next.deadline], ["lobby", 2, "ann", null, 0]);
    assert.deepEqual(next.players.map((p) => [p.id, p.seat, p.ready]), [["ann", 0, false], ["cy", 2, false]]);
    assert.deepEqual(Object.keys(next.ops), ["ann"], "only the rematch's own opId is remembered");
    assert.equal(next.events.at(-1)?.type, "rematch");
    assert.deepEqual(replay(log), next, "the log replays to the same room");
  });

  it("refuses a rematch from a player who is not the host (NOT_HOST), before or during a game (WRONG_PHASE), and from someone not seated", () => {
    const { log, match } = finishedRoom();
    assert.equal(offer(log, match, { t: "rematch", id: "bob", keep: ["ann", "bob"] }).code, "NOT_HOST");
    assert.equal(offer(log, match, { t: "rematch", id: "zed", keep: [] }).code, "UNKNOWN_PLAYER");
    const lobby = offer(log, match, { t: "rematch", id: "ann", keep: ["ann", "bob", "cy"] }).match;
    assert.equal(offer(log, lobby, { t: "rematch", id: "ann", keep: ["ann"] }).code, "WRONG_PHASE");
    let m = lobby;
    for (const id of ["ann", "bob", "cy"]) m = offer(log, m, { t: "ready", id, ready: true }).match;
    m = offer(log, m, { t: "start", id: "ann", seed: 7, deadline: 0 }).match;
    assert.equal(m.phase, "playing");
    assert.equal(offer(log, m, { t: "rematch", id: "ann", keep: ["ann"] }).code, "WRONG_PHASE");
  });

  it("after the game, a leaver is marked as left and the host role passes to the next seat still there", () => {
    const { log, match } = finishedRoom();
    const after = offer(log, match, { t: "leave", id: "ann" }).match;
    assert.deepEqual([after.players.find((p) => p.id === "ann")?.left, after.hostId], [true, "bob"]);
    const { match: next } = offer(log, after, { t: "rematch", id: "bob", keep: ["ann", "bob", "cy"] });
    assert.deepEqual(next.players.map((p) => p.id), ["bob", "cy"], "who left is not kept, whatever the room said");
  });

  it("replays each match of a two-match log on its own: the second game's replay starts from its own start entry and seed", () => {
    const { log, match } = finishedRoom();
    const firstEnd = log.length;
    let m = offer(log, match, { t: "rematch", id: "ann", keep: ["ann", "bob"] }).match;
    for (const id of ["ann", "bob"]) m = offer(log, m, { t: "ready", id, ready: true }).match;
    m = offer(log, m, { t: "start", id: "ann", seed: 99, deadline: 0 }).match;
    while (m.phase === "playing") m = offer(log, m, { t: "auto", id: rules.currentPlayerId(m.game!), deadline: 0 }).match;
    const first = replayOfLog(log.slice(0, firstEnd));
    const second = replayOfLog(log);
    assert.deepEqual([first.replay.setup.seed, second.replay.setup.seed], [42, 99]);
    assert.deepEqual(second.replay.setup.players.map((p) => p.id), ["ann", "bob"]);
    assert.deepEqual([checkReplay(first.replay), checkReplay(second.replay)], [[], []]);
    assert.equal(replay(log).number, 2);
  });
});

for (const backend of backends()) {
  describe(`play again (${backend.name} store)`, () => {
    const suite = serverSuite(backend, { minTurnSeconds: 0.05, awayTurnSeconds: 0.05, reconnectSeconds: 0.5, maxMessagesPerSecond: 5000 });

    const { keep } = suite;
    /** One-round games by default: the server plays them through at once. */
    const lobby = (names: string[], options: Record<string, unknown> = {}) => suite.lobby(names, { maxRounds: 1, ...options });
    async function finished(names: string[], options: Record<string, unknown> = {}) {
      const players = await lobby(names, options);
      await readyAndStart(players);
      // the shortest turns: the server plays the one round through by itself
      if (options.turnSeconds === undefined) await playToTheEnd(players);
      await until(() => players.every((p) => p.room.state.phase === "finished"), "the end everywhere");
      return players;
    }

    it("plays again after a player left: the same code, the others in their seats, nobody ready, match 2, listed again; the next game has a new seed and both matches are recorded and replay exactly", async function () {
      this.timeout(60_000);
      const [ann, bob, cy] = await finished(["Ann", "Bob", "Cy"], { turnSeconds: 0.05 });
      const code = ann.room.state.code;
      const seats = { ann: ann.room.state.players.get(ann.room.sessionId).seat, bob: bob.room.state.players.get(bob.room.sessionId).seat };
      assert.equal(ann.room.state.matchNumber, 1);
      const [first] = await matchesOf(suite.server.http, code, 1);
      assert.equal((await getJson(`${suite.server.http}/rooms`)).body.rooms.some((r: any) => r.code === code), false, "a finished room is not listed");

      await cy.room.leave();
      await until(() => ann.room.state.players.get(cy.room.sessionId)?.connected === false, "Cy gone");
      const answer = await ask(ann, "rematch");
      assert.ok("seq" in answer, JSON.stringify(answer));
      await until(() => [ann, bob].every((p) => p.room.state.phase === "lobby" && p.room.state.matchNumber === 2), "the rematch's lobby everywhere");
      const state = bob.room.state;
      assert.equal(state.code, code);
      assert.deepEqual([...state.players.keys()].sort(), [ann.room.sessionId, bob.room.sessionId].sort(), "Cy, who left, is gone");
      assert.equal(state.players.get(ann.room.sessionId).seat, seats.ann);
      assert.equal(state.players.get(bob.room.sessionId).seat, seats.bob);
      for (const p of state.players.values()) {
        assert.deepEqual([p.ready, p.money, p.rank, p.bankrupt], [false, 0, 0, false], `${p.name} starts the lobby afresh`);
      }
      assert.equal(state.hostId, ann.room.sessionId);
      assert.deepEqual([state.winner, state.currentTurn, state.owners.length, state.round], ["", "", 0, 0]);
      const event = await until(() => bob.events.find((e) => e.type === "rematch"), "the rematch event");
      assert.deepEqual([event.match, event.seq], [2, answer.seq]);

      const listed = await until(async () => (await getJson(`${suite.server.http}/rooms`)).body.rooms.find((r: any) => r.code === code), "the room listed again");
      assert.deepEqual([listed.clients, listed.maxClients, listed.phase], [2, 5, "lobby"]);
      const dan = observe(keep(await suite.sdk.joinOrCreate("game", { name: "Dan" })));
      assert.equal(dan.room.roomId, ann.room.roomId, "quick play finds the room again");
      await until(() => ann.room.state.players.size === 3, "Dan seated");
      assert.equal(ann.room.state.players.get(dan.room.sessionId).seat, 2, "Dan takes the seat Cy left");

      await readyAndStart([ann, bob, dan]);
      await until(() => ann.room.state.phase === "finished", "the second game's end");
      assert.equal(ann.room.state.matchNumber, 2);
      const [again, second] = await matchesOf(suite.server.http, code, 2);
      assert.equal(again.id, first.id, "the first match is still recorded");
      assert.notEqual(second.id, first.id);
      assert.notEqual(second.seed, first.seed, "a new seed");
      assert.deepEqual(second.players.map((p: any) => p.name).sort(), ["Ann", "Bob", "Dan"]);

      const [replay1, replay2] = [await replayOf(suite.server.http, first.id), await replayOf(suite.server.http, second.id)];
      assert.deepEqual(replay1.setup.players.map((p: any) => p.name), ["Ann", "Bob", "Cy"]);
      assert.deepEqual(replay2.setup.players.map((p: any) => p.name), ["Ann", "Bob", "Dan"]);
      assert.deepEqual([replay1.setup.seed, replay2.setup.seed], [first.seed, second.seed]);
      assert.ok(replay2.actions[0].seq > replay1.actions.at(-1).seq, "the second game's seqs follow the first's");
    });

    it("refuses a rematch before the game (WRONG_PHASE), during it (WRONG_PHASE), and from a player who is not the host (NOT_HOST)", async function () {
      this.timeout(60_000);
      const players = await lobby(["Ann", "Bob"]);
      const early = await ask(players[0], "rematch");
      assert.equal("code" in early && early.code, "WRONG_PHASE");
      await readyAndStart(players);
      const during = await ask(players[0], "rematch");
      assert.equal("code" in during && during.code, "WRONG_PHASE");
      await playToTheEnd(players);
      await until(() => players.every((p) => p.room.state.phase === "finished"), "the end");
      const guest = await ask(players[1], "rematch");
      assert.equal("code" in guest && guest.code, "NOT_HOST");
      assert.equal(players[0].room.state.phase, "finished", "nothing changed");
      assert.equal(players[0].room.state.matchNumber, 1);
    });

    it("passes the host role on when the host leaves after the game, and the new host plays again", async function () {
      this.timeout(60_000);
      const [ann, bob, cy] = await finished(["Ann", "Bob", "Cy"]);
      await ann.room.leave();
      await until(() => bob.room.state.hostId === bob.room.sessionId, "Bob to become host");
      const answer = await ask(bob, "rematch");
      assert.ok("seq" in answer, JSON.stringify(answer));
      await until(() => cy.room.state.phase === "lobby" && cy.room.state.players.size === 2, "Bob and Cy in the rematch's lobby");
    });
  });
}

describe("a rematch outlives its process (MySQL)", function () {
  this.timeout(120_000);
  const FAST = {
    CODE_LOOKUP_LIMIT: "10000",
    HEARTBEAT_SECONDS: "0.2",
    STALE_PROCESS_SECONDS: "1",
    RECONNECT_SECONDS: "5",
    MIN_TURN_SECONDS: "0.05",
    AWAY_TURN_SECONDS: "0.05",
    MAX_MESSAGES_PER_SECOND: "5000",
  };
  const fleet = processesPerTest(FAST);
  const start = (port?: number) => fleet.start({}, port);
  const snapshot = (room: Room<any>) => {
    const state = room.state.toJSON();
    for (const player of Object.values(state.players) as Array<{ connected?: boolean }>) delete player.connected;
    return state;
  };
  /** SIGKILL, a restart on the same port, and every player back in their seat by seat token. */
  async function crashAndRejoin(server: ServerProcess, players: Observed[], tokens: string[]) {
    const code = players[0].room.state.code;
    for (const p of players) p.room.reconnection.enabled = false;
    const dropped = players.map((p) => new Promise((resolve) => p.room.onLeave(resolve)));
    await server.stop("SIGKILL");
    await Promise.all(dropped);
    const next = await start(server.port);
    const back: Observed[] = [];
    for (const token of tokens) back.push(await rejoinSeat(next, code, token));
    return { next, back };
  }

  it("comes back after SIGKILL in the rematch's lobby and again in its game: match 2 with the same seats and state, and both matches recorded and replayed exactly", async () => {
    const first = await start();
    const sdk = new PlayerSDK(first.ws);
    const host = await sdk.create("game", { name: "Ann", maxRounds: 1, turnSeconds: 60 });
    const guest = await sdk.joinById(host.roomId, { name: "Bob" });
    let players = [observe(host), observe(guest)];
    await until(() => host.state.players?.size === 2, "both seated");
    const tokens = await Promise.all(players.map((p) => until(() => p.seats.at(-1), "a seat token")));
    const code = host.state.code;
    await readyAndStart(players);
    await playToTheEnd(players);
    await until(() => players.every((p) => p.room.state.phase === "finished"), "the first game's end", 15_000);
    const rematch = await ask(players[0], "rematch");
    assert.ok("seq" in rematch, JSON.stringify(rematch));
    await until(() => players.every((p) => p.room.state.phase === "lobby" && p.room.state.matchNumber === 2), "the rematch's lobby");
    assert.ok("seq" in (await ask(players[1], "ready", { ready: true })));
    const inLobby = snapshot(players[0].room);

    // SIGKILL in the rematch's lobby
    let { next, back } = await crashAndRejoin(first, players, tokens);
    await until(() => back.every((p) => p.room.state.seq === inLobby.seq && p.room.state.players?.size === 2), "the restored lobby", 15_000);
    for (const p of back) assert.deepEqual(snapshot(p.room), inLobby);
    assert.equal(back[0].room.state.matchNumber, 2);
    assert.equal(back[0].room.state.phase, "lobby");
    assert.equal(back[1].room.state.players.get(back[1].room.sessionId).ready, true, "Bob's ready survived");

    // the rematch's game, then SIGKILL in it
    players = back;
    assert.ok("seq" in (await ask(players[0], "ready", { ready: true })));
    const started = await ask(players[0], "start");
    assert.ok("seq" in started, JSON.stringify(started));
    await until(() => players.every((p) => p.room.state.phase === "playing"), "the rematch's game");
    for (let i = 0; i < 3; i++) {
      const mover = players.find((p) => p.room.state.currentTurn === p.room.sessionId)!;
      const answer = await ask(mover, choose(mover.room.state, mover.room.sessionId)!);
      assert.ok("seq" in answer, JSON.stringify(answer));
      await until(() => players.every((p) => p.room.state.seq === answer.seq), "every client at the ack's seq");
    }
    const inGame = snapshot(players[0].room);
    ({ next, back } = await crashAndRejoin(next, players, tokens));
    await until(() => back.every((p) => p.room.state.seq === inGame.seq && p.room.state.players?.size === 2), "the restored game", 15_000);
    for (const p of back) assert.deepEqual(snapshot(p.room), inGame);
    assert.deepEqual([back[0].room.state.matchNumber, back[0].room.state.phase], [2, "playing"]);

    await playToTheEnd(back, 90_000);
    const matches = await matchesOf(next.http, code, 2);
    assert.equal(matches.length, 2, "one record per match, none twice");
    assert.notEqual(matches[0].seed, matches[1].seed);
    for (const m of matches) await replayOf(next.http, m.id);
    for (const p of back) await p.room.leave();
  });
});
