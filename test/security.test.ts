/**
 * The origin allowlist (matchmaking, WebSocket upgrades, state-changing API requests) and the limit on
 * join-code guessing (failed look-ups per client IP, X-Forwarded-For believed from TRUST_PROXY only).
 */
import assert from "node:assert/strict";
import { clientKey } from "../src/http/throttle.ts";
import { upgradeStatus } from "./helpers/net.ts";
import { PlayerSDK } from "./helpers/players.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { getJson, until } from "./helpers/wait.ts";

const matchmake = (server: TestServer, headers: Record<string, string>) =>
  getJson(`${server.http}/matchmake/create/game`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name: "Ann" }),
  });

describe("origin allowlist", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ allowedOrigins: ["https://game.example"] });
  });
  afterEach(() => server.colyseus.cleanup());
  after(() => server.stop());

  it("refuses a matchmaking request from an origin that is not allowed with 403, before any room or seat exists", async () => {
    const { status, body } = await matchmake(server, { origin: "https://evil.example" });
    assert.equal(status, 403);
    assert.match(JSON.stringify(body), /ALLOWED_ORIGINS/);
    assert.equal((await getJson(`${server.http}/health`)).body.rooms, 0);
  });

  it("lets a matchmaking request without an Origin, from the listed origin or from the server's own pages through", async () => {
    const origins: Array<Record<string, string>> = [{}, { origin: "https://game.example" }, { origin: server.http }];
    for (const headers of origins) {
      const { status, body } = await matchmake(server, headers);
      assert.equal(status, 200, `${JSON.stringify(headers)}: ${JSON.stringify(body)}`);
      assert.equal(typeof body.sessionId, "string");
    }
  });

  it("refuses a WebSocket upgrade from an origin that is not allowed with 403, and upgrades the others", async () => {
    const url = `${server.ws}/any/room?sessionId=nobody`;
    assert.equal(await upgradeStatus(url, { origin: "https://evil.example" }), 403);
    assert.equal(await upgradeStatus(url, {}), 101);
    assert.equal(await upgradeStatus(url, { origin: "https://game.example" }), 101);
    assert.equal(await upgradeStatus(url, { origin: server.http }), 101);
  });

  it("refuses a rejoin from an origin that is not allowed with 403 ORIGIN_NOT_ALLOWED", async () => {
    const { status, body } = await getJson(`${server.http}/rooms/123456/rejoin`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ seatToken: "x" }),
    });
    assert.equal(status, 403);
    assert.equal(body.error.code, "ORIGIN_NOT_ALLOWED");
  });

  it("lets the SDK from Node (no Origin) create and join a room", async () => {
    const room = await new PlayerSDK(server.ws).create("game", { name: "Ann" });
    assert.match(await until(() => room.state.code, "the code"), /^\d{6}$/);
    await room.leave();
  });
});

describe("origin allowlist in production", () => {
  it("warns once at the start when ALLOWED_ORIGINS is empty, and not when it is set", async () => {
    const open = await startServer({ nodeEnv: "production", allowedOrigins: [] });
    const listed = await startServer({ nodeEnv: "production", allowedOrigins: ["https://game.example"] });
    try {
      assert.equal(open.logs.filter((l) => /ALLOWED_ORIGINS/.test(l)).length, 1, open.logs.join("\n"));
      assert.equal(listed.logs.filter((l) => /ALLOWED_ORIGINS/.test(l)).length, 0, listed.logs.join("\n"));
    } finally {
      await listed.stop();
      await open.stop();
    }
  });
});

describe("join-code guessing", () => {
  /** A code that no room holds (the memory store hands codes out at random: skip the live ones). */
  const unknownCode = (i: number) => String(900_000 + i);
  const lookUp = (server: TestServer, code: string, headers: Record<string, string> = {}) =>
    getJson(`${server.http}/rooms/${code}`, { headers });
  const rejoin = (server: TestServer, code: string, headers: Record<string, string> = {}) =>
    getJson(`${server.http}/rooms/${code}/rejoin`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ seatToken: "not-a-token" }),
    });

  describe("on one process", () => {
    let server: TestServer;
    beforeEach(async () => {
      server = await startServer();
    });
    afterEach(() => server.stop());

    it("answers the 11th failed look-up in a minute with 429 TOO_MANY_ATTEMPTS and Retry-After, then any code too", async () => {
      const host = await new PlayerSDK(server.ws).create("game", { name: "Ann" });
      const code = await until(() => host.state.code, "the code");
      for (let i = 0; i < 10; i++) {
        // a look-up that finds its room is not a failure
        assert.equal((await lookUp(server, code)).status, 200);
        assert.equal((await lookUp(server, unknownCode(i))).status, 404, `look-up ${i + 1}`);
      }
      const blocked = await lookUp(server, unknownCode(10));
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error.code, "TOO_MANY_ATTEMPTS");
      const retryAfter = Number(blocked.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${blocked.headers.get("retry-after")}`);
      assert.equal((await lookUp(server, code)).status, 429);
      await host.leave();
    });

    it("counts refused rejoins (wrong code 404, wrong seat token 403) with the look-ups", async () => {
      const host = await new PlayerSDK(server.ws).create("game", { name: "Ann" });
      const code = await until(() => host.state.code, "the code");
      for (let i = 0; i < 4; i++) assert.equal((await rejoin(server, unknownCode(i))).status, 404);
      for (let i = 0; i < 3; i++) assert.equal((await rejoin(server, code)).status, 403);
      for (let i = 0; i < 3; i++) assert.equal((await lookUp(server, unknownCode(i))).status, 404);
      assert.equal((await rejoin(server, code)).status, 429);
      assert.equal((await lookUp(server, code)).status, 429);
      await host.leave();
    });

    it("never throttles many players behind one address looking up a live code at once", async () => {
      const host = await new PlayerSDK(server.ws).create("game", { name: "Ann" });
      const code = await until(() => host.state.code, "the code");
      const answers = await Promise.all(Array.from({ length: 50 }, () => lookUp(server, code)));
      assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
      await host.leave();
    });

    it("refuses the next look-up after 30 guesses sent at once", async () => {
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => lookUp(server, unknownCode(i))));
      assert.ok(answers.every((a) => a.status === 404 || a.status === 429));
      assert.equal((await lookUp(server, unknownCode(31))).status, 429);
    });

    it("ignores X-Forwarded-For when TRUST_PROXY is unset: the socket's address is the client", async () => {
      for (let i = 0; i < 10; i++) {
        assert.equal((await lookUp(server, unknownCode(i), { "x-forwarded-for": `203.0.113.${i}` })).status, 404);
      }
      assert.equal((await lookUp(server, unknownCode(10), { "x-forwarded-for": "198.51.100.7" })).status, 429);
    });
  });

  describe("behind a proxy", () => {
    it("believes X-Forwarded-For from a peer TRUST_PROXY names, and keys each client on its own address", async () => {
      const server = await startServer({ trustProxy: ["10.9.0.0/16", "127.0.0.1"] });
      try {
        const via = (client: string) => ({ "x-forwarded-for": `${client}, 10.9.3.4` });
        for (let i = 0; i < 10; i++) assert.equal((await lookUp(server, unknownCode(i), via("203.0.113.5"))).status, 404);
        assert.equal((await lookUp(server, unknownCode(10), via("203.0.113.5"))).status, 429);
        assert.equal((await lookUp(server, unknownCode(10), via("203.0.113.6"))).status, 404);
        // a client cannot pick its key by prepending entries: the proxy appends what it saw
        assert.equal((await lookUp(server, unknownCode(11), { "x-forwarded-for": "198.51.100.1, 203.0.113.5" })).status, 429);
      } finally {
        await server.stop();
      }
    });

    it("ignores X-Forwarded-For from a peer that TRUST_PROXY does not name", async () => {
      const server = await startServer({ trustProxy: ["10.9.0.0/16"] });
      try {
        for (let i = 0; i < 10; i++) {
          assert.equal((await lookUp(server, unknownCode(i), { "x-forwarded-for": `203.0.113.${i}` })).status, 404);
        }
        assert.equal((await lookUp(server, unknownCode(10), { "x-forwarded-for": "198.51.100.9" })).status, 429);
      } finally {
        await server.stop();
      }
    });
  });

  it("keys an IPv6 client on its /64", () => {
    assert.equal(clientKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64");
    assert.equal(clientKey("2001:db8::5"), "2001:db8:0:0::/64");
    assert.equal(clientKey("::1"), "0:0:0:0::/64");
    assert.equal(clientKey("203.0.113.5"), "203.0.113.5");
  });
});
