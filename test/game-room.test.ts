/** The game played through the `game` room with real SDK clients: flow, refusals, seq, timer, chat. */
import assert from "node:assert/strict";
import { matchMaker } from "@colyseus/core";
import { backends } from "./helpers/backends.ts";
import { ask, observe, playToTheEnd, type Observed } from "./helpers/players.ts";
import { serverSuite } from "./helpers/suite.ts";
import { getJson, until } from "./helpers/wait.ts";

for (const backend of backends()) {
  describe(`a game in the game room (${backend.name} store)`, () => {
    const suite = serverSuite(backend, { minTurnSeconds: 0.05, awayTurnSeconds: 0.05, reconnectSeconds: 0.4, maxMessagesPerSecond: 5000 });
    const { open } = suite;


    const { lobby } = suite;

    async function started(names: string[], options: Record<string, unknown> = {}) {
      const players = await lobby(names, options);
      for (const p of players) assert.ok("seq" in (await ask(p, "ready", { ready: true })));
      const answer = await ask(players[0], "start");
      assert.ok("seq" in answer, JSON.stringify(answer));
      await until(() => players.every((p) => p.room.state.phase === "playing"), "the game to start everywhere");
      return players;
    }

    const serverRoom = suite.serverRoom;
    const onTurn = (players: Observed[]) => players.find((p) => p.room.state.currentTurn === p.room.sessionId)!;
    const offTurn = (players: Observed[]) => players.find((p) => p.room.state.currentTurn !== p.room.sessionId)!;

    it("plays a complete game of three from the lobby to a winner, recorded in the database", async function () {
      this.timeout(90_000);
      const players = await started(["Ann", "Bob", "Cy"], { maxRounds: 12 });
      const firstSeq = players.map((p) => p.room.state.seq);
      assert.equal(new Set(firstSeq).size, 1);
      await playToTheEnd(players);
      await until(() => players.every((p) => p.room.state.phase === "finished"), "every client to see the end");
      const state = players[0].room.state;
      assert.ok(state.winner && state.players.has(state.winner), "a seated winner");
      assert.equal(state.currentTurn, "");
      for (const p of players) assert.equal(p.room.state.winner, state.winner);
      const over = players[0].events.find((e) => e.type === "game_over");
      assert.equal(over?.winner, state.winner);
      assert.deepEqual(
        [...state.players.values()].sort((x: any, y: any) => x.rank - y.rank).map((p: any) => p.id),
        over?.ranking,
        "each player's rank in the state matches the game_over ranking",
      );

      // every client saw the same strictly increasing seq
      const fromStart = players.map((p) => p.seqs.filter((s) => s >= firstSeq[0]));
      for (const seqs of fromStart) {
        for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `seq went from ${seqs[i - 1]} to ${seqs[i]}`);
        assert.deepEqual(seqs, fromStart[0]);
      }
      assert.equal(fromStart[0].at(-1), state.seq);
      assert.ok(state.seq - firstSeq[0] >= 12, "many actions were played");
      // events carry the seq of the action that caused them, in order
      const eventSeqs = players[0].events.map((e) => e.seq);
      assert.deepEqual(eventSeqs, [...eventSeqs].sort((a, b) => a - b));

      const winnerName = state.players.get(state.winner).name;
      const match = await until(async () => {
        const { body } = await getJson(`${suite.server.http}/matches/recent?limit=5`);
        return body.matches?.find((m: any) => m.code === state.code);
      }, "the match in GET /matches/recent");
      assert.equal(match.winner, winnerName);
      assert.equal(match.players.length, 3);
      assert.equal(match.players[0].rank, 1);
      assert.equal(match.players[0].name, winnerName);
      assert.deepEqual(match.players.map((p: any) => p.rank), [1, 2, 3]);
      assert.equal(typeof match.seed, "number");
    });

    it("refuses actions out of phase with WRONG_PHASE and changes nothing", async () => {
      const [ann, bob] = await lobby(["Ann", "Bob"]);
      const seq = ann.room.state.seq;
      for (const type of ["roll", "buy", "pass", "end_turn", "pay_bail"]) {
        const answer = await ask(ann, type);
        assert.equal((answer as any).code, "WRONG_PHASE", type);
      }
      assert.equal(serverRoom(ann.room.roomId).state.seq, seq);
      assert.equal(bob.errors.length, 0, "only the sender hears about it");
    });

    it("lets only the host start, with at least two players, all ready", async () => {
      const [solo] = await lobby(["Solo"]);
      await ask(solo, "ready", { ready: true });
      assert.equal(((await ask(solo, "start")) as any).code, "NOT_ENOUGH_PLAYERS");
      await solo.room.leave();

      const [ann, bob] = await lobby(["Ann", "Bob"]);
      assert.equal(((await ask(bob, "start")) as any).code, "NOT_HOST");
      assert.equal(((await ask(ann, "start")) as any).code, "NOT_READY");
      await ask(ann, "ready", { ready: true });
      assert.equal(((await ask(ann, "start")) as any).code, "NOT_READY");
      assert.equal(serverRoom(ann.room.roomId).state.phase, "lobby");
    });

    it("refuses to start while a player holds a seat reservation and has not joined yet, and starts once they are in and ready", async () => {
      const [ann, bob] = await lobby(["Ann", "Bob"]);
      for (const p of [ann, bob]) await ask(p, "ready", { ready: true });
      // the matchmaker seats Cy (as quick play or a join by code does) before Cy's WebSocket arrives
      const reservation = await matchMaker.joinById(ann.room.roomId, { name: "Cy" });
      const refused = (await ask(ann, "start")) as any;
      assert.equal(refused.code, "NOT_READY");
      assert.match(refused.message, /joining/);
      assert.equal(serverRoom(ann.room.roomId).state.phase, "lobby");
      const cy = observe(await suite.sdk.consumeSeatReservation(reservation));
      open.push(cy.room);
      await until(() => ann.room.state.players?.size === 3, "Cy seated");
      assert.equal(((await ask(ann, "start")) as any).code, "NOT_READY", "Cy is in but not ready");
      await ask(cy, "ready", { ready: true });
      assert.ok("seq" in (await ask(ann, "start")));
    });

    it("locks a started game: no new joins, and gone from the listing", async () => {
      const [ann] = await started(["Ann", "Bob"]);
      const { body } = await getJson(`${suite.server.http}/rooms`);
      assert.ok(!body.rooms.some((r: any) => r.roomId === ann.room.roomId));
      await assert.rejects(suite.sdk.joinById(ann.room.roomId, { name: "Late" }), (e: any) => e.code === 410);
      const byCode = await getJson(`${suite.server.http}/rooms/${ann.room.state.code}`);
      assert.equal(byCode.body.phase, "playing");
    });

    it("fixes the turn order and gives everyone 1500 at the start", async () => {
      const players = await started(["Ann", "Bob", "Cy"]);
      const state = players[1].room.state;
      assert.deepEqual([...state.turnOrder], players.map((p) => p.room.sessionId));
      assert.equal(state.currentTurn, players[0].room.sessionId);
      assert.equal(state.stage, "roll");
      assert.equal(state.round, 1);
      assert.equal(state.owners.length, 40);
      assert.ok(state.turnDeadline > Date.now());
      for (const p of state.players.values()) assert.equal(p.money, 1500);
      assert.equal(((await ask(players[0], "ready", { ready: false })) as any).code, "WRONG_PHASE");
    });

    it("refuses a move out of turn with NOT_YOUR_TURN and out of stage with WRONG_STAGE, changing nothing", async () => {
      const players = await started(["Ann", "Bob"]);
      const before = JSON.stringify(serverRoom(players[0].room.roomId).state.toJSON());
      const waiting = offTurn(players);
      for (const type of ["roll", "buy", "pass", "end_turn"]) {
        assert.equal(((await ask(waiting, type)) as any).code, "NOT_YOUR_TURN", type);
      }
      const mover = onTurn(players);
      for (const type of ["buy", "pass", "end_turn"]) {
        assert.equal(((await ask(mover, type)) as any).code, "WRONG_STAGE", type);
      }
      assert.equal(((await ask(mover, "pay_bail")) as any).code, "NOT_IN_JAIL");
      const after = JSON.stringify(serverRoom(players[0].room.roomId).state.toJSON());
      assert.equal(after.replace(/"turnDeadline":[\d.]+/, ""), before.replace(/"turnDeadline":[\d.]+/, ""));
    });

    it("delivers the state change before the ack, without waiting for a patch tick", async () => {
      const players = await started(["Ann", "Bob"]);
      serverRoom(players[0].room.roomId).patchRate = 60_000;
      const mover = onTurn(players);
      const seqBefore = mover.room.state.seq;
      const answer = (await ask(mover, "roll")) as { seq: number };
      assert.equal(answer.seq, seqBefore + 1);
      assert.equal(mover.room.state.seq, answer.seq, "the patch arrived with the ack");
      assert.ok(mover.room.state.dice.length === 2);
      const other = offTurn(players);
      await until(() => other.room.state.seq === answer.seq, "the other player to see it");
    });

    it("applies a repeated opId once and answers with the original ack", async () => {
      const players = await started(["Ann", "Bob"]);
      const mover = onTurn(players);
      const seq = mover.room.state.seq;
      mover.room.send("roll", { opId: "same-roll" });
      await until(() => mover.acks.find((a) => a.opId === "same-roll"), "the first ack");
      mover.room.send("roll", { opId: "same-roll" });
      await until(() => mover.acks.filter((a) => a.opId === "same-roll").length === 2, "the repeated ack");
      const [first, second] = mover.acks.filter((a) => a.opId === "same-roll");
      assert.equal(first.seq, seq + 1);
      assert.deepEqual(second, first);
      assert.equal(serverRoom(mover.room.roomId).state.seq, seq + 1);
      assert.equal(mover.events.filter((e) => e.type === "dice_rolled").length, 1);
    });

    it("broadcasts dice, moves and other happenings as events carrying the action's seq", async () => {
      const players = await started(["Ann", "Bob"]);
      const mover = onTurn(players);
      const { seq } = (await ask(mover, "roll")) as { seq: number };
      const other = offTurn(players);
      await until(() => other.events.some((e) => e.type === "dice_rolled" && e.seq === seq), "the dice event");
      const rolled = other.events.find((e) => e.type === "dice_rolled")!;
      assert.equal(rolled.player, mover.room.sessionId);
      assert.deepEqual(rolled.dice, [...mover.room.state.dice]);
      assert.ok(other.events.some((e) => e.type === "moved" && e.seq === seq));
    });

    it("broadcasts chat with sender, name, text and time, and refuses empty or oversized text", async () => {
      const [ann, bob] = await lobby(["Ann", "Bob"]);
      const before = Date.now();
      assert.ok("seq" in (await ask(ann, "chat", { text: "  hello there  " })));
      await until(() => bob.chats.length === 1, "the chat at Bob");
      assert.deepEqual({ ...bob.chats[0], at: 0 }, { from: ann.room.sessionId, name: "Ann", text: "hello there", at: 0 });
      assert.ok(bob.chats[0].at >= before && bob.chats[0].at <= Date.now());
      assert.equal(((await ask(ann, "chat", { text: "x".repeat(201) })) as any).code, "INVALID_MESSAGE");
      assert.equal(((await ask(ann, "chat", { text: "   " })) as any).code, "INVALID_MESSAGE");
      await until(() => ann.chats.length === 1, "the sender's own copy");
      assert.equal(bob.chats.length, 1);
    });

    it("refuses 1,000 malformed messages one by one, keeps the sender connected and serves the others", async function () {
      this.timeout(60_000);
      const [ann, bob] = await started(["Ann", "Bob"]);
      const roomId = ann.room.roomId;
      const seq = serverRoom(roomId).state.seq;
      const bad: Array<[string, unknown]> = [
        ["roll", { opId: 42 }],
        ["roll", { extra: true }],
        ["roll", "roll"],
        ["roll", [1, 2, 3]],
        ["roll", 7],
        ["ready", {}],
        ["ready", { ready: "yes" }],
        ["chat", {}],
        ["chat", { text: 5 }],
        ["chat", { text: "y".repeat(5000) }],
        ["buy", { opId: "z".repeat(65) }],
        ["end_turn", JSON.parse('{"__proto__":{"polluted":true}}')],
        ["chat", JSON.parse('{"text":"hi","__proto__":{"polluted":true}}')],
        ["teleport", { to: 39 }],
        ["__proto__", {}],
        ["constructor", {}],
        ["", {}],
      ];
      for (let i = 0; i < 1000; i++) {
        const [type, payload] = bad[i % bad.length];
        ann.room.send(type, payload);
      }
      await until(() => ann.errors.length >= 1000, "1,000 refusals", 30_000);
      assert.equal(ann.errors.length, 1000);
      for (const e of ann.errors) assert.ok(["INVALID_MESSAGE", "UNKNOWN_MESSAGE"].includes(e.code), e.code);
      assert.equal(({} as any).polluted, undefined);
      assert.equal(serverRoom(roomId).state.seq, seq, "nothing changed");
      assert.ok(ann.room.connection.isOpen, "the sender stays connected");
      // the room still serves everyone
      assert.ok("seq" in (await ask(bob, "chat", { text: "still here?" })));
      const mover = onTurn([ann, bob]);
      assert.ok("seq" in (await ask(mover, "roll")));
    });

    it("disconnects a flooding client and nobody else", async () => {
      const [ann, bob] = await lobby(["Ann", "Bob"]);
      const room = serverRoom(ann.room.roomId);
      room.maxMessagesPerSecond = 10;
      bob.room.reconnection.enabled = false;
      const left = new Promise<number>((resolve) => bob.room.onLeave((code: number) => resolve(code)));
      for (let i = 0; i < 50; i++) bob.room.send("chat", { text: `spam ${i}` });
      await left;
      assert.ok(ann.room.connection.isOpen);
      assert.ok("seq" in (await ask(ann, "chat", { text: "quiet now" })));
    });

    it("plays the turn of an idle player when the turn timer runs out", async () => {
      const players = await started(["Ann", "Bob"], { turnSeconds: 0.3 });
      const idle = onTurn(players);
      const deadline = idle.room.state.turnDeadline;
      assert.ok(deadline > Date.now() - 50 && deadline <= Date.now() + 400);
      await until(() => idle.room.state.currentTurn !== idle.room.sessionId, "the server to play the idle turn", 5000);
      assert.ok(idle.events.some((e) => e.type === "dice_rolled" && e.player === idle.room.sessionId));
      assert.ok(idle.room.state.turnDeadline > deadline, "a fresh deadline for the next player");
    });

    it("marks every event of a turn the server played with auto: true, and none of a turn the player played", async () => {
      const players = await started(["Ann", "Bob"], { turnSeconds: 1 });
      const mover = onTurn(players);
      const watcher = offTurn(players);
      // the first player rolls by hand: those events carry no mark
      const answer = await ask(mover, "roll");
      assert.ok("seq" in answer, JSON.stringify(answer));
      const rolled = { seq: answer.seq };
      await until(() => watcher.events.some((e) => e.seq === rolled.seq), "the player's own roll seen by the other");
      const own = watcher.events.filter((e) => e.seq === rolled.seq);
      assert.ok(own.some((e) => e.type === "dice_rolled"));
      assert.ok(own.every((e) => !("auto" in e)), JSON.stringify(own));
      // then nobody acts: the server plays the rest of that turn and the next one, and says so
      const idleId = watcher.room.sessionId;
      await until(() => watcher.events.some((e) => e.type === "dice_rolled" && e.player === idleId), "the server to roll for the idle player", 5000);
      const byServer = watcher.events.filter((e) => e.seq > rolled.seq);
      const roll = byServer.find((e) => e.type === "dice_rolled" && e.player === idleId)!;
      assert.equal(roll.auto, true, JSON.stringify(roll));
      assert.ok(byServer.filter((e) => e.seq <= roll.seq).every((e) => e.auto === true), JSON.stringify(byServer));
    });

    it("plays the turns of a disconnected player, and keeps playing them after the window", async function () {
      this.timeout(20_000);
      const players = await started(["Ann", "Bob"], { turnSeconds: 0.3 });
      const [ann, bob] = players;
      bob.room.reconnection.enabled = false;
      const bobId = bob.room.sessionId;
      await bob.room.leave(false);
      await until(() => ann.room.state.players.get(bobId)?.connected === false, "Bob shown as disconnected");
      // Bob's turns go on without him, before and after his reconnection window (0.4 s)
      const rolledByServer = () => ann.events.filter((e) => e.type === "dice_rolled" && e.player === bobId).length;
      await until(() => rolledByServer() >= 3, "three of Bob's turns played by the server", 15_000);
      assert.ok(ann.room.state.players.has(bobId), "Bob keeps his seat in the game");
      assert.equal(ann.room.state.phase, "playing");
    });

    it("replays the latest events and chat to a player who comes back, including what happened while away", async () => {
      const players = await started(["Ann", "Bob"]);
      const [ann, bob] = players;
      await ask(ann, "chat", { text: "good luck" });
      bob.room.reconnection.enabled = false;
      const { sessionId, reconnectionToken } = bob.room;
      await bob.room.leave(false);
      await until(() => ann.room.state.players.get(sessionId)?.connected === false, "Bob shown as disconnected");
      assert.equal(onTurn(players), ann, "the first seat starts");
      const rolled = ((await ask(ann, "roll")) as { seq: number }).seq;
      const back = observe(await suite.sdk.reconnect(reconnectionToken));
      open.push(back.room);
      const history = await until(() => back.histories[0], "the history");
      assert.equal(history.events[0].type, "game_started");
      assert.ok(history.events.some((e) => e.type === "turn_started"));
      assert.ok(history.events.some((e) => e.type === "dice_rolled" && e.seq === rolled), "the roll made while Bob was away");
      assert.deepEqual(history.chats.map((c) => c.text), ["good luck"]);
      const seqs = history.events.map((e) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), "oldest first");
    });

    it("sends a newcomer the lobby's chat so far", async () => {
      const [ann] = await lobby(["Ann"]);
      await ask(ann, "chat", { text: "anyone?" });
      const bob = observe(await suite.sdk.joinById(ann.room.roomId, { name: "Bob" }));
      open.push(bob.room);
      const history = await until(() => bob.histories[0], "the history");
      assert.deepEqual(history.chats.map((c) => c.text), ["anyone?"]);
      assert.deepEqual(history.events, []);
    });

    it("treats a deliberate leave during the game as a forfeit", async () => {
      const players = await started(["Ann", "Bob", "Cy"]);
      const [ann, bob, cy] = players;
      const bobId = bob.room.sessionId;
      await bob.room.leave();
      await until(() => ann.room.state.players.get(bobId)?.bankrupt === true, "Bob out of the game");
      assert.ok(ann.events.some((e) => e.type === "bankrupt" && e.player === bobId));
      assert.equal(ann.room.state.phase, "playing");
      await cy.room.leave();
      await until(() => ann.room.state.phase === "finished", "the last player standing to win");
      assert.equal(ann.room.state.winner, ann.room.sessionId);
    });
  });
}
