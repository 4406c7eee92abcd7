/** The `game` room through real SDK clients: codes, listing, seats, leave, host, reconnect, lobby. */
import assert from "node:assert/strict";
import { JoinError } from "../src/messages/errors.ts";
import { backends } from "./helpers/backends.ts";
import { serverSuite } from "./helpers/suite.ts";
import { getJson, refusalOf, until } from "./helpers/wait.ts";


for (const backend of backends()) {
  describe(`game room (${backend.name} store)`, () => {
    const suite = serverSuite(backend, { reconnectSeconds: 0.5 });
    const { open } = suite;

    const create = async (options: Record<string, unknown>) => {
      const room = await suite.sdk.create("game", options);
      open.push(room);
      await room.waitForInitialState?.();
      return room;
    };
    const join = async (roomId: string, name: string) => {
      const room = await suite.sdk.joinById(roomId, { name });
      open.push(room);
      await room.waitForInitialState?.();
      return room;
    };
    const serverRoom = suite.serverRoom;

    /** Ann hosts, Bob joins, then Bob's connection drops (no automatic reconnect): the state Ann sees shows it. */
    const dropGuest = async () => {
      const host = await create({ name: "Ann" });
      const bob = await join(host.roomId, "Bob");
      bob.reconnection.enabled = false;
      const { sessionId, reconnectionToken } = bob;
      await bob.leave(false);
      await until(() => host.state.players.get(sessionId)?.connected === false, "Bob shown as disconnected");
      return { host, sessionId, reconnectionToken };
    };


    it("gives a new room a 6-digit code that maps to its roomId", async () => {
      const room = await create({ name: "Ann" });
      await until(() => room.state.code, "the code in the state");
      assert.match(room.state.code, /^\d{6}$/);
      const record = await suite.server.parts.store.codes.resolve(room.state.code);
      assert.equal(record?.roomId, room.roomId);
    });

    it("gives 200 rooms created concurrently 200 distinct codes", async function () {
      this.timeout(60_000);
      const rooms = await Promise.all(Array.from({ length: 200 }, (_, i) => create({ name: `P${i}` })));
      const codes = await Promise.all(rooms.map((r) => until(() => r.state.code, "a code")));
      assert.equal(new Set(codes).size, 200);
      for (const code of codes) assert.match(code, /^\d{6}$/);
    });

    it("seats the creator as host with the synchronized lobby state", async () => {
      const room = await create({ name: "  Ann  " });
      await until(() => room.state.players.size === 1, "the creator's seat");
      const me = room.state.players.get(room.sessionId)!;
      assert.equal(me.name, "Ann");
      assert.equal(me.seat, 0);
      assert.equal(me.ready, false);
      assert.equal(me.connected, true);
      assert.equal(room.state.phase, "lobby");
      assert.equal(room.state.hostId, room.sessionId);
      assert.deepEqual([...room.state.turnOrder], [room.sessionId]);
      assert.equal(room.state.currentTurn, "");
      assert.equal(room.state.seq, 0);
      assert.equal(room.state.private, false);
    });

    it("lists public rooms and hides private ones", async () => {
      const pub = await create({ name: "Ann" });
      const priv = await create({ name: "Bob", private: true });
      const { status, body } = await getJson(`${suite.server.http}/rooms`);
      assert.equal(status, 200);
      const ids = body.rooms.map((r: { roomId: string }) => r.roomId);
      assert.ok(ids.includes(pub.roomId));
      assert.ok(!ids.includes(priv.roomId));
      const listed = body.rooms.find((r: { roomId: string }) => r.roomId === pub.roomId);
      assert.equal(listed.code, pub.state.code);
      assert.equal(listed.clients, 1);
      assert.equal(listed.maxClients, 5);
    });

    it("looks up public and private rooms by code", async () => {
      const pub = await create({ name: "Ann", maxPlayers: 3 });
      const priv = await create({ name: "Bob", private: true });
      const a = await getJson(`${suite.server.http}/rooms/${pub.state.code}`);
      assert.equal(a.status, 200);
      assert.deepEqual(
        { roomId: a.body.roomId, code: a.body.code, clients: a.body.clients, maxClients: a.body.maxClients, private: a.body.private, phase: a.body.phase },
        { roomId: pub.roomId, code: pub.state.code, clients: 1, maxClients: 3, private: false, phase: "lobby" },
      );
      const b = await getJson(`${suite.server.http}/rooms/${priv.state.code}`);
      assert.equal(b.status, 200);
      assert.equal(b.body.roomId, priv.roomId);
      assert.equal(b.body.private, true);
    });

    it("joins a private room by its code", async () => {
      const host = await create({ name: "Ann", private: true });
      const { body } = await getJson(`${suite.server.http}/rooms/${host.state.code}`);
      const guest = await join(body.roomId, "Bob");
      await until(() => host.state.players.size === 2, "the guest in the host's state");
      assert.equal(guest.state.players.get(guest.sessionId)?.seat, 1);
      assert.deepEqual([...host.state.turnOrder], [host.sessionId, guest.sessionId]);
    });

    it("quick play joins an open public room and never a private one", async () => {
      const priv = await create({ name: "Ann", private: true });
      const quick = await suite.sdk.joinOrCreate("game", { name: "Bob" });
      open.push(quick);
      assert.notEqual(quick.roomId, priv.roomId);
      const quick2 = await suite.sdk.joinOrCreate("game", { name: "Cy" });
      open.push(quick2);
      assert.equal(quick2.roomId, quick.roomId);
    });

    it("refuses the sixth player with ROOM_FULL", async () => {
      const host = await create({ name: "P1" });
      for (let i = 2; i <= 5; i++) await join(host.roomId, `P${i}`);
      const err = await refusalOf(suite.sdk.joinById(host.roomId, { name: "P6" }));
      assert.equal(err.code, JoinError.ROOM_FULL);
      assert.equal(err.message, "This room is full (5 players).");
      assert.equal(serverRoom(host.roomId).state.players.size, 5);
    });

    it("honours maxPlayers", async () => {
      const host = await create({ name: "P1", maxPlayers: 2 });
      await join(host.roomId, "P2");
      const err = await refusalOf(suite.sdk.joinById(host.roomId, { name: "P3" }));
      assert.equal(err.code, JoinError.ROOM_FULL);
      assert.equal(err.message, "This room is full (2 players).");
      const { body } = await getJson(`${suite.server.http}/rooms/${host.state.code}`);
      assert.equal(body.maxClients, 2);
    });

    it("refuses a display name already used in the room", async () => {
      const host = await create({ name: "Ann" });
      const err = await refusalOf(suite.sdk.joinById(host.roomId, { name: "ANN" }));
      assert.equal(err.code, JoinError.NAME_TAKEN);
      assert.match(err.message, /already taken/);
      await until(() => serverRoom(host.roomId).clients.length === 1, "the refused client to be gone");
      assert.equal(serverRoom(host.roomId).state.players.size, 1);
      assert.ok(!suite.server.logs.some((l) => /uncaught/.test(l)), "a refusal is not logged as a fault");
    });

    const badCreates: Array<[string, Record<string, unknown>]> = [
      ["a missing name", {}],
      ["a blank name", { name: "   " }],
      ["a 21-character name", { name: "x".repeat(21) }],
      ["a name that is not a string", { name: 42 }],
      ["maxPlayers 6", { name: "Ann", maxPlayers: 6 }],
      ["maxPlayers 1", { name: "Ann", maxPlayers: 1 }],
      ["maxPlayers 2.5", { name: "Ann", maxPlayers: 2.5 }],
      ["private that is not a boolean", { name: "Ann", private: "yes" }],
    ];
    for (const [what, options] of badCreates) {
      it(`refuses to create a room with ${what}, and creates nothing`, async () => {
        const before = (await getJson(`${suite.server.http}/health`)).body.rooms;
        const err = await refusalOf(suite.sdk.create("game", options));
        assert.equal(err.code, JoinError.INVALID_OPTIONS);
        assert.ok(err.message.length > 0);
        assert.equal((await getJson(`${suite.server.http}/health`)).body.rooms, before);
      });
    }

    it("removes a leaving player from players and turnOrder", async () => {
      const host = await create({ name: "Ann" });
      const guest = await join(host.roomId, "Bob");
      const guestId = guest.sessionId;
      await guest.leave();
      await until(() => !host.state.players.has(guestId), "the guest to be removed");
      assert.deepEqual([...host.state.turnOrder], [host.sessionId]);
    });

    it("passes the host role to the next seat when the host leaves", async () => {
      const host = await create({ name: "Ann" });
      const bob = await join(host.roomId, "Bob");
      const cy = await join(host.roomId, "Cy");
      await host.leave();
      await until(() => bob.state.hostId === bob.sessionId, "Bob to become host");
      assert.equal(cy.state.hostId, bob.sessionId);
      assert.deepEqual([...cy.state.turnOrder], [bob.sessionId, cy.sessionId]);
    });

    it("disposes the room and releases its code when the last player leaves", async () => {
      const host = await create({ name: "Ann" });
      const code = host.state.code;
      await host.leave();
      await until(async () => (await getJson(`${suite.server.http}/rooms/${code}`)).status === 404, "the code to stop resolving");
      // the matchmaker forgets the room first; onDispose then releases the code in the store
      await until(async () => (await suite.server.parts.store.codes.resolve(code)) === null, "the code released in the store");
      assert.equal(serverRoom(host.roomId), undefined);
    });

    it("keeps a dropped player's seat and restores it on reconnect", async () => {
      const { host, sessionId, reconnectionToken } = await dropGuest();
      assert.equal(host.state.players.get(sessionId)?.seat, 1);
      const back = await suite.sdk.reconnect(reconnectionToken);
      open.push(back);
      assert.equal(back.sessionId, sessionId);
      await until(() => host.state.players.get(sessionId)?.connected === true, "Bob shown as connected again");
      assert.equal(host.state.players.get(sessionId)?.seat, 1);
      assert.deepEqual([...host.state.turnOrder], [host.sessionId, sessionId]);
    });

    it("removes a dropped player once the reconnection window has passed", async () => {
      const { host, sessionId, reconnectionToken } = await dropGuest();
      await until(() => !host.state.players.has(sessionId), "Bob to be removed after the window", 5000);
      assert.deepEqual([...host.state.turnOrder], [host.sessionId]);
      await refusalOf(suite.sdk.reconnect(reconnectionToken));
    });

    it("moves the host role away from a dropped host whose window ran out", async () => {
      const host = await create({ name: "Ann" });
      const bob = await join(host.roomId, "Bob");
      host.reconnection.enabled = false;
      await host.leave(false);
      await until(() => bob.state.hostId === bob.sessionId, "Bob to become host");
    });

    it("sends live updates of public rooms to the lobby", async () => {
      const lobby = await suite.sdk.joinOrCreate("lobby");
      open.push(lobby);
      const listed = new Map<string, any>();
      lobby.onMessage("rooms", (rooms: any[]) => {
        for (const r of rooms) listed.set(r.roomId, r);
      });
      lobby.onMessage("+", ([roomId, room]: [string, any]) => listed.set(roomId, room));
      lobby.onMessage("-", (roomId: string) => listed.delete(roomId));
      const pub = await create({ name: "Ann" });
      const priv = await create({ name: "Bob", private: true });
      await until(() => listed.get(pub.roomId)?.metadata?.code === pub.state.code, "the public room in the lobby");
      assert.ok(!listed.has(priv.roomId));
      await join(pub.roomId, "Cy");
      await until(() => listed.get(pub.roomId)?.clients === 2, "the lobby to show 2 players");
      await pub.leave();
      for (const room of open) if (room.roomId === pub.roomId && room.connection?.isOpen) await room.leave();
      await until(() => !listed.has(pub.roomId), "the disposed room to leave the lobby");
      assert.ok(!listed.has(priv.roomId));
    });
  });
}
