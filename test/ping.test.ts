/**
 * PING_SECONDS: the server pings every WebSocket that often and drops one that misses two pings in a
 * row (a player whose network vanished without closing anything), while connections that answer
 * stay, however long nothing else happens.
 */
import assert from "node:assert/strict";
import WebSocket from "ws";
import { loadSettings } from "../src/config.ts";
import { PlayerSDK } from "./helpers/players.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { getJson } from "./helpers/wait.ts";

describe("PING_SECONDS", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ pingSeconds: 0.2, reconnectSeconds: 30 });
  });
  after(() => server.stop());

  it("drops a connection that stops answering pings, and keeps one that answers", async () => {
    const seat = await getJson(`${server.http}/matchmake/create/game`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Silent" }),
    });
    assert.equal(seat.status, 200, JSON.stringify(seat.body));
    // a client whose network went away: it receives the pings but never answers them
    const silent = new WebSocket(`${server.ws}/${seat.body.processId}/${seat.body.roomId}?sessionId=${seat.body.sessionId}`, { autoPong: false });
    silent.on("error", () => {});
    const dropped = new Promise<number>((resolve) => silent.once("close", (code) => resolve(code)));
    await new Promise((resolve, reject) => silent.once("open", resolve).once("error", reject));
    const answering = await new PlayerSDK(server.ws).joinById(seat.body.roomId, { name: "Talker" });
    let answeringClosed = false;
    answering.onLeave(() => (answeringClosed = true));

    const started = Date.now();
    await dropped;
    // two missed pings at 0.2 s, and the interval's own phase: well under the default's 6-9 s
    assert.ok(Date.now() - started < 2000, `dropped after ${Date.now() - started} ms`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(answeringClosed, false);
    assert.ok(answering.connection.isOpen);
    await answering.leave();
  });

  it("is 10 s unless set, and refuses what is not a number of seconds", () => {
    assert.equal(loadSettings({}).pingSeconds, 10);
    assert.equal(loadSettings({ PING_SECONDS: "2.5" }).pingSeconds, 2.5);
    assert.throws(() => loadSettings({ PING_SECONDS: "soon" }), /PING_SECONDS/);
    assert.throws(() => loadSettings({ PING_SECONDS: "0" }), /PING_SECONDS/);
  });
});
