/**
 * Spectators (`joinById(roomId, { name, spectate: true })`) through real SDK clients on a real
 * server: no seat, refused every game and lobby message, counted apart from the seats (at most 50),
 * any room in any phase, public games in play listed as watchable, the same patches and events as
 * the players, chat as the room allows, player tokens.
 */
import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { SignJWT } from "jose";
import { MAX_SPECTATORS } from "../src/messages/options.ts";
import { JoinError } from "../src/messages/errors.ts";
import { backends } from "./helpers/backends.ts";
import { PlayerSDK, ask, observe, readyAndStart, type Observed } from "./helpers/players.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { serverSuite } from "./helpers/suite.ts";
import { getJson, refusalOf, until } from "./helpers/wait.ts";


for (const backend of backends()) {
  describe(`spectators (${backend.name} store)`, () => {
    const suite = serverSuite(backend, { minTurnSeconds: 0.05, awayTurnSeconds: 0.05, reconnectSeconds: 0.5, maxMessagesPerSecond: 5000 });

    const { keep, lobby } = suite;
    async function playing(names: string[], options: Record<string, unknown> = {}) {
      const players = await lobby(names, options);
      await readyAndStart(players);
      return players;
    }
    const watch = async (roomId: string, name = "Watcher") => {
      const room = keep(await suite.sdk.joinById(roomId, { name, spectate: true }));
      await until(() => room.state.code, "the spectator's state");
      return observe(room);
    };
    const onTurn = (players: Observed[]) => players.find((p) => p.room.state.currentTurn === p.room.sessionId)!;

    it("lets a spectator watch a public game in play: no seat, counted in `spectators`, the same state, patches and events as the players", async () => {
      const players = await playing(["Ann", "Bob"]);
      const spectator = await watch(players[0].room.roomId);
      assert.equal(spectator.room.state.phase, "playing");
      assert.equal(spectator.room.state.players.size, 2);
      assert.ok(!spectator.room.state.players.has(spectator.room.sessionId), "the spectator has no seat");
      await until(() => players.every((p) => p.room.state.spectators === 1) && spectator.room.state.spectators === 1, "one spectator everywhere");
      assert.equal(spectator.seats.length, 0, "no seat token for a spectator");
      assert.ok(spectator.histories.at(-1)?.events.some((e) => e.type === "game_started"), "the history of the game so far");

      const mover = onTurn(players);
      const eventsBefore = spectator.events.length;
      const answer = await ask(mover, "roll");
      assert.ok("seq" in answer, JSON.stringify(answer));
      await until(() => spectator.room.state.seq === answer.seq, "the spectator at the roll's seq");
      const seen = spectator.events.slice(eventsBefore);
      const played = mover.events.filter((e) => e.seq === answer.seq);
      assert.ok(seen.some((e) => e.type === "dice_rolled"), "the spectator saw the roll");
      assert.deepEqual(seen.filter((e) => e.seq === answer.seq), played, "the same events with the same seq");
      assert.deepEqual(spectator.room.state.toJSON(), players[0].room.state.toJSON(), "the same state");
    });

    it("refuses a spectator's ready, start, rematch and every game action with SPECTATOR, and nothing changes", async () => {
      const players = await lobby(["Ann", "Bob"]);
      const spectator = await watch(players[0].room.roomId);
      for (const type of ["start", "rematch"]) {
        const answer = await ask(spectator, type);
        assert.equal("code" in answer && answer.code, "SPECTATOR", `${type}: ${JSON.stringify(answer)}`);
      }
      const ready = await ask(spectator, "ready", { ready: true });
      assert.equal("code" in ready && ready.code, "SPECTATOR");
      assert.equal(players[0].room.state.seq, 0, "nothing was accepted in the lobby");

      await readyAndStart(players);
      const seq = players[0].room.state.seq;
      for (const type of ["roll", "buy", "pass", "end_turn", "pay_bail"]) {
        const answer = await ask(spectator, type);
        assert.equal("code" in answer && answer.code, "SPECTATOR", `${type}: ${JSON.stringify(answer)}`);
      }
      assert.equal(players[0].room.state.seq, seq, "nothing was accepted in the game");
    });

    it("does not count spectators toward the seats: five players sit down beside three spectators, and the sixth player is refused ROOM_FULL", async () => {
      const [host] = await lobby(["P1"]);
      const roomId = host.room.roomId;
      for (let i = 1; i <= 3; i++) await watch(roomId, `W${i}`);
      for (let i = 2; i <= 5; i++) keep(await suite.sdk.joinById(roomId, { name: `P${i}` }));
      await until(() => host.room.state.players.size === 5 && host.room.state.spectators === 3, "five players and three spectators");
      const err = await refusalOf(suite.sdk.joinById(roomId, { name: "P6" }));
      assert.equal(err.code, JoinError.ROOM_FULL);
      assert.match(err.message, /full/);
      const { body } = await getJson(`${suite.server.http}/rooms/${host.room.state.code}`);
      assert.deepEqual([body.clients, body.maxClients, body.spectators], [5, 5, 3]);
      // a full lobby still takes a spectator
      await watch(roomId, "W4");
      await until(() => host.room.state.spectators === 4, "a fourth spectator");
    });

    it(`takes at most ${MAX_SPECTATORS} spectators: the next is refused ROOM_FULL with a message of its own, and a player still gets a seat`, async function () {
      this.timeout(60_000);
      const [host] = await lobby(["Ann"]);
      const roomId = host.room.roomId;
      for (let batch = 0; batch < MAX_SPECTATORS; batch += 10) {
        await Promise.all(Array.from({ length: 10 }, (_, i) => watch(roomId, `W${batch + i}`)));
      }
      await until(() => host.room.state.spectators === MAX_SPECTATORS, `${MAX_SPECTATORS} spectators`);
      const err = await refusalOf(suite.sdk.joinById(roomId, { name: "One too many", spectate: true }));
      assert.equal(err.code, JoinError.ROOM_FULL);
      assert.match(err.message, new RegExp(`${MAX_SPECTATORS} spectators`));
      keep(await suite.sdk.joinById(roomId, { name: "Bob" }));
      await until(() => host.room.state.players.size === 2, "Bob seated");
      assert.equal(host.room.state.spectators, MAX_SPECTATORS);
    });

    it("lets a spectator watch a private room found by its code, in its lobby, its game and after it", async function () {
      this.timeout(60_000);
      const players = await lobby(["Ann", "Bob"], { private: true, maxRounds: 1, turnSeconds: 0.05 });
      const { body } = await getJson(`${suite.server.http}/rooms/${players[0].room.state.code}`);
      assert.equal(body.private, true);
      const inLobby = await watch(body.roomId, "Early");
      assert.equal(inLobby.room.state.phase, "lobby");
      await readyAndStart(players);
      const inGame = await watch(body.roomId, "Middle");
      assert.equal(inGame.room.state.phase, "playing");
      // turns of 0.05 s: the server plays the one round through by itself
      await until(() => players.every((p) => p.room.state.phase === "finished"), "the end everywhere", 15_000);
      const after = await watch(body.roomId, "Late");
      assert.equal(after.room.state.phase, "finished");
      assert.equal(after.room.state.winner, players[0].room.state.winner);
      await until(() => players[0].room.state.spectators === 3, "three spectators");
      await until(() => inLobby.room.state.phase === "finished", "the first spectator saw the end");
    });

    it("lists public games in play at GET /rooms?watchable=1 (not lobbies, not private games), and the lobby room lists them with phase playing", async () => {
      const lobbyRoom = keep(await suite.sdk.joinOrCreate("lobby"));
      const listed = new Map<string, any>();
      lobbyRoom.onMessage("rooms", (rooms: any[]) => {
        for (const r of rooms) listed.set(r.roomId, r);
      });
      lobbyRoom.onMessage("+", ([roomId, room]: [string, any]) => listed.set(roomId, room));
      lobbyRoom.onMessage("-", (roomId: string) => listed.delete(roomId));

      const inPlay = await playing(["Ann", "Bob"]);
      const waiting = await lobby(["Cy"]);
      const hidden = await playing(["Di", "Ed"], { private: true });
      await watch(inPlay[0].room.roomId);

      const { status, body } = await getJson(`${suite.server.http}/rooms?watchable=1`);
      assert.equal(status, 200);
      const ids = body.rooms.map((r: any) => r.roomId);
      assert.deepEqual(ids, [inPlay[0].room.roomId]);
      assert.ok(!ids.includes(waiting[0].room.roomId) && !ids.includes(hidden[0].room.roomId));
      const row = body.rooms[0];
      assert.deepEqual([row.code, row.phase, row.clients, row.maxClients, row.spectators, row.hostName], [inPlay[0].room.state.code, "playing", 2, 5, 1, "Ann"]);

      const joinable = await getJson(`${suite.server.http}/rooms`);
      assert.deepEqual(joinable.body.rooms.map((r: any) => r.roomId), [waiting[0].room.roomId], "GET /rooms still lists only rooms to join");
      assert.equal((await getJson(`${suite.server.http}/rooms?watchable=yes`)).body.error.code, "INVALID_QUERY");

      await until(() => listed.get(inPlay[0].room.roomId)?.metadata?.phase === "playing", "the game in play in the lobby room's list");
      assert.equal(listed.get(inPlay[0].room.roomId).metadata.spectators, 1);
      assert.ok(!listed.has(hidden[0].room.roomId));
    });

    it("changes nothing in the game when a spectator leaves or drops, and never makes a spectator host", async () => {
      const players = await playing(["Ann", "Bob", "Cy"]);
      const leaver = await watch(players[0].room.roomId, "Leaver");
      const dropper = await watch(players[0].room.roomId, "Dropper");
      await until(() => players[0].room.state.spectators === 2, "two spectators");
      const seq = players[0].room.state.seq;
      const events = players[0].events.length;
      await leaver.room.leave();
      dropper.room.reconnection.enabled = false;
      await dropper.room.leave(false);
      await until(() => players[0].room.state.spectators === 0, "no spectator left");
      assert.equal(players[0].room.state.seq, seq);
      assert.equal(players[0].events.length, events, "no event");
      assert.equal(players[0].room.state.players.size, 3);

      const [host, bob] = await lobby(["Host", "Bob"]);
      const watcher = await watch(host.room.roomId);
      await host.room.leave();
      await until(() => bob.room.state.hostId === bob.room.sessionId, "the host role to pass to Bob");
      await bob.room.leave();
      await until(() => watcher.room.state.players.size === 0, "no player left");
      assert.equal(watcher.room.state.hostId, "", "the spectator did not become host");
    });

    it("lets spectators chat, signed with their name and marked as a spectator's, unless the room was created with spectatorChat false (SPECTATOR)", async () => {
      const players = await lobby(["Ann", "Bob"]);
      const spectator = await watch(players[0].room.roomId, "Fan");
      const answer = await ask(spectator, "chat", { text: "good luck" });
      assert.ok("seq" in answer, JSON.stringify(answer));
      const line = await until(() => players[1].chats.find((c) => c.text === "good luck"), "the spectator's line at Bob's");
      assert.deepEqual([line.from, line.name, (line as any).spectator], [spectator.room.sessionId, "Fan", true]);

      const quiet = await lobby(["Cy", "Di"], { spectatorChat: false });
      const muted = await watch(quiet[0].room.roomId, "Fan");
      const refused = await ask(muted, "chat", { text: "hello" });
      assert.equal("code" in refused && refused.code, "SPECTATOR");
      const playerLine = await ask(quiet[0], "chat", { text: "players still chat" });
      assert.ok("seq" in playerLine);
      assert.equal((await refusalOf(suite.sdk.create("game", { name: "Ed", spectatorChat: "no" }))).code, JoinError.INVALID_OPTIONS);
    });

    it("refuses to create a room with spectate: true (a room is created by a player)", async () => {
      const err = await refusalOf(suite.sdk.create("game", { name: "Ann", spectate: true }));
      assert.equal(err.code, JoinError.INVALID_OPTIONS);
      assert.match(err.message, /spectate/);
    });
  });
}

describe("spectators with player tokens on", () => {
  const SECRET = "a-test-secret-of-at-least-32-characters!";
  let server: TestServer;
  const open: Room<any>[] = [];
  const token = (sub: string) =>
    new SignJWT({ name: sub }).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));
  const sdkOf = async (sub: string | null) => {
    const sdk = new PlayerSDK(server.ws);
    if (sub) sdk.auth.token = await token(sub);
    return sdk;
  };

  before(async () => {
    server = await startServer({ mysqlUrl: null, authJwtSecret: SECRET, minTurnSeconds: 0.05 });
  });
  afterEach(async () => {
    for (const room of open.splice(0)) if (room.connection?.isOpen) await room.leave().catch(() => {});
  });
  after(async () => server?.stop());

  it("needs a token to watch (AUTH_REQUIRED without one), watches a started game with one, and lets a seated player watch its own room on a connection of its own", async () => {
    const ann = await (await sdkOf("ann")).create("game", { name: "Ann" });
    open.push(ann);
    const bob = await (await sdkOf("bob")).joinById(ann.roomId, {});
    open.push(bob);
    const players = [observe(ann), observe(bob)];
    await until(() => ann.state.players.size === 2, "both seated");
    await readyAndStart(players);

    const none = await refusalOf((await sdkOf(null)).joinById(ann.roomId, { name: "Eve", spectate: true }));
    assert.equal(none.code, JoinError.AUTH_REQUIRED);
    assert.match(none.message, /AUTH_REQUIRED/);

    const carol = await (await sdkOf("carol")).joinById(ann.roomId, { spectate: true });
    open.push(carol);
    await until(() => ann.state.spectators === 1, "Carol watching");
    assert.ok(!carol.state.players.has(carol.sessionId));

    // Ann's own identity, as a spectator: a connection of its own; Ann's seat keeps playing
    const annWatching = await (await sdkOf("ann")).joinById(ann.roomId, { spectate: true });
    open.push(annWatching);
    assert.notEqual(annWatching.sessionId, ann.sessionId);
    await until(() => ann.state.spectators === 2, "Ann's second device watching");
    assert.ok(ann.connection.isOpen, "Ann's seat was not taken over");
    const refused = await ask(observe(annWatching), "roll");
    assert.equal("code" in refused && refused.code, "SPECTATOR");
  });
});
