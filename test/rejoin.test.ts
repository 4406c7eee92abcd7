/**
 * Seat tokens and POST /rooms/:code/rejoin within one server process, with real SDK clients, for
 * both stores: the same sessionId and seat come back whatever happened to the connection.
 */
import assert from "node:assert/strict";
import { backends } from "./helpers/backends.ts";
import { ask, choose, observe, PlayerSDK, readyAndStart, type Observed } from "./helpers/players.ts";
import { serverSuite } from "./helpers/suite.ts";
import { getJson, until } from "./helpers/wait.ts";

for (const backend of backends()) {
  describe(`taking a seat back by its token (${backend.name} store)`, function () {
    this.timeout(30_000);
    const suite = serverSuite(backend, { minTurnSeconds: 0.05, awayTurnSeconds: 0.05, reconnectSeconds: 0.3, maxMessagesPerSecond: 5000 });

    const { lobby } = suite;

    async function started(names: string[], options: Record<string, unknown> = {}) {
      const players = await lobby(names, { turnSeconds: 60, ...options });
      await readyAndStart(players);
      return players;
    }

    const tokenOf = (o: Observed) => until(() => o.seats.at(-1), "the seat token");

    function rejoin(code: string, body: unknown) {
      return getJson(`${suite.server.http}/rooms/${code}/rejoin`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    }

    async function rejoinRoom(code: string, seatToken: string): Promise<Observed> {
      const { status, body } = await rejoin(code, { seatToken });
      assert.equal(status, 200, JSON.stringify(body));
      const room = await new PlayerSDK(suite.server.ws).consumeSeatReservation(body.reservation);
      suite.open.push(room);
      return observe(room);
    }

    /** Drops a client's connection for good (its SDK does not reconnect), as a closed tab does. */
    async function closeTab(o: Observed) {
      o.room.reconnection.enabled = false;
      o.room.connection.close(4999 as any);
      await until(() => !o.room.connection.isOpen, "the connection to close");
    }

    it("sends each seated player, alone, a seat token of at least 128 bits", async () => {
      const [ann, bob] = await lobby(["Ann", "Bob"]);
      const [a, b] = [await tokenOf(ann), await tokenOf(bob)];
      assert.notEqual(a, b);
      assert.ok(Buffer.from(a, "base64url").length >= 16, `${a} carries at least 128 bits`);
      assert.equal(ann.seats.length, 1, "each player gets their own token only");
      assert.equal(bob.seats.length, 1);
    });

    it("puts a player whose reconnection window ran out during a game back in their seat, playing their own turns again", async () => {
      const players = await started(["Ann", "Bob", "Cy"]);
      const bob = players[1];
      const { sessionId } = bob.room;
      const seat = bob.room.state.players.get(sessionId).seat;
      const token = await tokenOf(bob);
      await closeTab(bob);
      // the window (0.3 s) runs out: the server plays Bob's turns for him, fast
      await until(() => suite.serverRoom(bob.room.roomId).keeper.match.players.find((p: any) => p.id === sessionId)?.gone, "Bob to count as gone");

      const back = await rejoinRoom(players[0].room.state.code, token);
      assert.equal(back.room.sessionId, sessionId);
      await until(() => back.room.state.players?.get(sessionId)?.connected, "Bob connected again");
      assert.equal(back.room.state.players.get(sessionId).seat, seat);
      assert.ok(back.histories.length >= 1, "the room's history is sent on rejoin");
      assert.equal(await tokenOf(back), token, "the same token is sent again");
      assert.equal(suite.serverRoom(back.room.roomId).keeper.match.players.find((p: any) => p.id === sessionId).gone, false);

      // the others play their turns; on his turn he plays himself: the server waits for him (the full turn time)
      const others = [players[0], players[2]];
      for (let i = 0; i < 50 && back.room.state.currentTurn !== sessionId; i++) {
        const mover = others.find((o) => o.room.state.currentTurn === o.room.sessionId);
        const action = mover && choose(mover.room.state, mover.room.sessionId);
        if (mover && action) await ask(mover, action);
        else await new Promise((r) => setTimeout(r, 20));
      }
      await until(() => back.room.state.currentTurn === sessionId, "Bob's turn", 20_000);
      const deadline = back.room.state.turnDeadline;
      assert.ok(deadline - Date.now() > 30_000, "a present player gets the full turn time");
      const answer = await ask(back, "roll");
      assert.ok("seq" in answer, JSON.stringify(answer));
    });

    it("reconnects a player who rejoins within the reconnection window, with the same session", async () => {
      const [ann, bob] = await lobby(["Ann", "Bob"]);
      const token = await tokenOf(bob);
      const { sessionId } = bob.room;
      bob.room.reconnection.enabled = false;
      bob.room.connection.close(4999 as any);
      await until(() => ann.room.state.players.get(sessionId)?.connected === false, "Bob shown as dropped");
      const back = await rejoinRoom(ann.room.state.code, token);
      assert.equal(back.room.sessionId, sessionId);
      await until(() => ann.room.state.players.get(sessionId)?.connected === true, "Bob back");
      assert.equal(ann.room.state.players.size, 2);
    });

    it("answers a wrong token with 403 INVALID_SEAT_TOKEN, an unknown code with 404, a bad body with 400, and changes nothing", async () => {
      const [ann, bob] = await lobby(["Ann", "Bob"]);
      const code = ann.room.state.code;
      const before = JSON.stringify(suite.serverRoom(ann.room.roomId).state.toJSON());
      const wrong = await rejoin(code, { seatToken: "not-a-token" });
      assert.equal(wrong.status, 403);
      assert.equal(wrong.body.error.code, "INVALID_SEAT_TOKEN");
      const unknown = await rejoin(code === "000000" ? "000001" : "000000", { seatToken: await tokenOf(bob) });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, "ROOM_NOT_FOUND");
      for (const body of [{}, { seatToken: 12 }, { seatToken: "x", extra: true }]) {
        const bad = await rejoin(code, body);
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.equal(bad.body.error.code, "INVALID_BODY");
      }
      assert.equal((await rejoin("12ab56", { seatToken: "x" })).body.error.code, "INVALID_CODE");
      assert.equal(JSON.stringify(suite.serverRoom(ann.room.roomId).state.toJSON()), before);
    });

    it("refuses a seat that is connected right now with 409 SEAT_IN_USE", async () => {
      const [ann] = await lobby(["Ann", "Bob"]);
      const answer = await rejoin(ann.room.state.code, { seatToken: await tokenOf(ann) });
      assert.equal(answer.status, 409);
      assert.equal(answer.body.error.code, "SEAT_IN_USE");
    });

    it("does not let a player who forfeited come back: 410 SEAT_LEFT", async () => {
      const [ann, bob, cy] = await started(["Ann", "Bob", "Cy"]);
      const token = await tokenOf(bob);
      await bob.room.leave(true);
      await until(() => ann.room.state.players.get(bob.room.sessionId)?.bankrupt, "Bob's forfeit");
      const answer = await rejoin(ann.room.state.code, { seatToken: token });
      assert.equal(answer.status, 410);
      assert.equal(answer.body.error.code, "SEAT_LEFT");
      assert.equal(cy.errors.length, 0);
    });

    it("answers an opId repeated after 1,000 other messages with the original ack, and does not apply it again", async () => {
      const [ann, bob] = await lobby(["Ann", "Bob"]);
      const opId = "the-first-ready";
      ann.room.send("ready", { ready: true, opId });
      const first = await until(() => ann.acks.find((a) => a.opId === opId), "the first ack");
      for (let i = 0; i < 1000; i++) bob.room.send("chat", { text: `line ${i}`, opId: `chat-${i}` });
      await until(() => bob.acks.filter((a) => a.opId?.startsWith("chat-")).length === 1000, "every chat line acknowledged", 25_000);
      for (let i = 0; i < 10; i++) await ask(ann, "ready", { ready: i % 2 === 1 });
      const seq = suite.serverRoom(ann.room.roomId).state.seq;
      const readyBefore = ann.room.state.players.get(ann.room.sessionId).ready;
      ann.room.send("ready", { ready: !readyBefore, opId });
      await until(() => ann.acks.filter((a) => a.opId === opId).length === 2, "the repeat's answer");
      assert.deepEqual(ann.acks.filter((a) => a.opId === opId)[1], first);
      assert.equal(suite.serverRoom(ann.room.roomId).state.seq, seq, "nothing was applied");
      assert.equal(ann.room.state.players.get(ann.room.sessionId).ready, readyBefore);
    });
  });
}
