/**
 * Player tokens (AUTH_JWT_SECRET / AUTH_JWKS_FILE): refusals on matchmaking, on the WebSocket and on
 * rejoin; a JWKS-signed token; guest tokens; one seat per identity (a second device takes the seat
 * over); identities in the match records of both stores. Real servers, real SDK clients.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { matchMaker } from "@colyseus/core";
import { ColyseusSDK, type Room } from "@colyseus/sdk";
import { SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from "jose";
import { UsageError, botSettings } from "../loadtest/args.ts";
import { Swarm } from "../loadtest/swarm.ts";
import { replay, step } from "../src/match/match.ts";
import { CLOSE_TAKEN_OVER } from "../src/messages/contract.ts";
import { joinErrorName } from "../src/messages/errors.ts";
import { ConfigError, loadSettings } from "../src/config.ts";
import { backends } from "./helpers/backends.ts";
import { PlayerSDK, ask, observe, playToTheEnd, readyAndStart, type Observed } from "./helpers/players.ts";
import { fastBots } from "./helpers/bots.ts";
import { processesPerTest } from "./helpers/fleet.ts";
import type { ServerProcess } from "./helpers/process.ts";
import { upgradeStatus } from "./helpers/net.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { serverSuite } from "./helpers/suite.ts";
import { getJson, until } from "./helpers/wait.ts";

const SECRET = "a-test-secret-of-at-least-32-characters!";

/** An HS256 player token for `sub` (claims and signing as a game's account service would). */
function hs256(sub: string, claims: Record<string, unknown> = {}, options: { secret?: string; expires?: string | number; audience?: string } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime(options.expires ?? "1h");
  if (options.audience) jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

function sdkWith(server: TestServer, token: string | null): PlayerSDK {
  const sdk = new PlayerSDK(server.ws);
  if (token !== null) sdk.auth.token = token;
  return sdk;
}

/** What a refused create answers: the HTTP status and body of the matchmaking route, and what the SDK makes of it. */
async function refusedCreate(server: TestServer, token: string | null) {
  const http = await getJson(`${server.http}/matchmake/create/game`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ name: "Ann" }),
  });
  const sdkError = await sdkWith(server, token)
    .create("game", { name: "Ann" })
    .then(() => null, (e: { code: number; message: string }) => e);
  return { http, sdkError };
}

const closeOf = (room: Room<any>) => new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

describe("player tokens", () => {
  describe("with AUTH_JWT_SECRET and AUTH_AUDIENCE", () => {
    const suite = serverSuite(backends()[0], { authJwtSecret: SECRET, authAudience: "boardroom-test", minTurnSeconds: 0.5 });
    const { open } = suite;
    let server: TestServer;
    before(() => (server = suite.server));
    const token = (sub: string, claims: Record<string, unknown> = {}) => hs256(sub, claims, { audience: "boardroom-test" });
    const joined = async (sdkToken: string, make: (sdk: PlayerSDK) => Promise<Room<any>>) => {
      const room = await make(sdkWith(server, sdkToken));
      open.push(room);
      return observe(room);
    };

    it("refuses a create without a token with 401 AUTH_REQUIRED named in the body, which the SDK reports as code 401", async () => {
      const { http, sdkError } = await refusedCreate(server, null);
      assert.equal(http.status, 401);
      assert.equal(http.body.code, 401);
      assert.match(http.body.error, /^AUTH_REQUIRED: /);
      assert.equal(sdkError?.code, 401);
      assert.equal(joinErrorName(sdkError!.code, sdkError!.message), "AUTH_REQUIRED");
      assert.equal((await getJson(`${server.http}/health`)).body.rooms, 0);
    });

    const invalid: Array<[string, () => Promise<string>, RegExp]> = [
      ["a forged signature", () => hs256("ann", {}, { secret: "another-secret-of-at-least-32-characters", audience: "boardroom-test" }), /signature/],
      ["an expired token", () => hs256("ann", {}, { expires: Math.floor(Date.now() / 1000) - 60, audience: "boardroom-test" }), /expired/],
      ["alg: none", async () => new UnsecuredJWT({ aud: "boardroom-test" }).setSubject("ann").setExpirationTime("1h").encode(), /algorithm/],
      ["a wrong audience", () => hs256("ann", {}, { audience: "another-game" }), /aud/],
      ["no audience", () => hs256("ann"), /aud/],
      ["a token without exp", () => new SignJWT({ aud: "boardroom-test" }).setProtectedHeader({ alg: "HS256" }).setSubject("ann").sign(new TextEncoder().encode(SECRET)), /exp/],
      ["something that is not a JWT", async () => "not-a-jwt", /well-formed/],
    ];
    for (const [what, make, why] of invalid) {
      it(`refuses ${what} with 401 INVALID_TOKEN on matchmaking`, async () => {
        const { http, sdkError } = await refusedCreate(server, await make());
        assert.equal(http.status, 401);
        assert.match(http.body.error, /^INVALID_TOKEN: /);
        assert.match(http.body.error, why);
        assert.equal(sdkError?.code, 401);
        assert.equal(joinErrorName(sdkError!.code, sdkError!.message), "INVALID_TOKEN");
      });
    }

    it("refuses joinById and joinOrCreate without a token too, even into a started room", async () => {
      const ann = await joined(await token("ann"), (sdk) => sdk.create("game", { name: "Ann" }));
      const bob = await joined(await token("bob"), (sdk) => sdk.joinById(ann.room.roomId, { name: "Bob" }));
      await readyAndStart([ann, bob]);
      for (const attempt of [(sdk: ColyseusSDK) => sdk.joinById(ann.room.roomId, { name: "Cy" }), (sdk: ColyseusSDK) => sdk.joinOrCreate("game", { name: "Cy" })]) {
        const error = await attempt(new ColyseusSDK(server.ws)).then(() => null, (e: { code: number; message: string }) => e);
        assert.equal(error?.code, 401);
        assert.match(error!.message, /^AUTH_REQUIRED: /);
      }
    });

    it("seats a player with a valid token under the token's name, with a sessionId of 9 URL-safe characters", async () => {
      const ann = await joined(await token("account-1", { name: "Ann" }), (sdk) => sdk.create("game", {}));
      await until(() => ann.room.state.players?.size === 1, "Ann seated");
      assert.match(ann.room.sessionId, /^[A-Za-z0-9_-]{9}$/);
      assert.equal(ann.room.state.players.get(ann.room.sessionId).name, "Ann");
      const seat = server.colyseus.getRoomById(ann.room.roomId) as any;
      assert.equal(seat.keeper.match.players[0].identity, "account-1");
      // the options' name wins over the token's
      const bob = await joined(await token("account-2", { name: "Robert" }), (sdk) => sdk.joinById(ann.room.roomId, { name: "Bob" }));
      await until(() => bob.room.state.players?.get(bob.room.sessionId)?.name === "Bob", "Bob seated as Bob");
    });

    it("refuses a WebSocket to a room without a token, with an invalid one, or with another identity's (401/403), before anything is joined", async () => {
      const reservation = (await getJson(`${server.http}/matchmake/create/game`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${await token("ann")}` },
        body: JSON.stringify({ name: "Ann" }),
      })).body;
      const url = (authToken?: string) =>
        `${server.ws}/${reservation.processId}/${reservation.roomId}?sessionId=${reservation.sessionId}${authToken ? `&_authToken=${authToken}` : ""}`;
      assert.equal(await upgradeStatus(url()), 401);
      assert.equal(await upgradeStatus(url("forged.token.here")), 401);
      assert.equal(await upgradeStatus(url(await token("mallory"))), 403);
      const room = server.colyseus.getRoomById(reservation.roomId) as any;
      assert.equal(room.keeper.match.players.length, 0);
      // the reservation is still the player's own
      const ann = await joined(await token("ann"), (sdk) => sdk.consumeSeatReservation(reservation));
      await until(() => ann.room.state.players?.size === 1, "Ann seated by her own reservation");
    });

    it("lets a client that sends its token everywhere watch the live listing, which needs none", async () => {
      for (const sdk of [sdkWith(server, await token("ann")), new ColyseusSDK(server.ws)]) {
        const lobby = await sdk.joinOrCreate("lobby", { filter: { name: "game" } });
        await lobby.leave();
      }
    });

    it("gives the same identity its own seat back from a second device, closes the first with 4101 and never adds a player", async () => {
      const annToken = await token("ann", { name: "Ann" });
      const phone = await joined(annToken, (sdk) => sdk.create("game", {}));
      const bob = await joined(await token("bob", { name: "Bob" }), (sdk) => sdk.joinById(phone.room.roomId, {}));
      await until(() => phone.room.state.players?.size === 2, "two players");
      const phoneClosed = closeOf(phone.room);
      const laptop = await joined(annToken, (sdk) => sdk.joinById(phone.room.roomId, { name: "Ann" }));
      assert.equal(await phoneClosed, CLOSE_TAKEN_OVER);
      assert.equal(laptop.room.sessionId, phone.room.sessionId);
      await until(() => laptop.room.state.players?.size === 2, "the laptop's state");
      assert.equal(laptop.room.state.players.get(laptop.room.sessionId).connected, true);
      assert.equal(laptop.room.state.hostId, laptop.room.sessionId);
      const answer = await ask(laptop, "ready", { ready: true });
      assert.ok(!("code" in answer), `ready refused: ${JSON.stringify(answer)}`);
      // the first device's close did not take the seat away
      await new Promise((r) => setTimeout(r, 300));
      const room = server.colyseus.getRoomById(phone.room.roomId) as any;
      assert.equal(room.keeper.match.players.length, 2);
      assert.equal(bob.room.state.players.get(laptop.room.sessionId).connected, true);
      assert.equal(room.clients.length, 2);
    });

    it("hands a started game's seat to the same identity's second device, which plays on", async () => {
      const annToken = await token("ann", { name: "Ann" });
      const phone = await joined(annToken, (sdk) => sdk.create("game", { maxPlayers: 2, turnSeconds: 60 }));
      const bob = await joined(await token("bob", { name: "Bob" }), (sdk) => sdk.joinById(phone.room.roomId, {}));
      await readyAndStart([phone, bob]);
      const phoneClosed = closeOf(phone.room);
      // the room is full and locked: the join is the seat's own
      const laptop = await joined(annToken, (sdk) => sdk.joinById(phone.room.roomId, {}));
      assert.equal(await phoneClosed, CLOSE_TAKEN_OVER);
      assert.equal(laptop.room.sessionId, phone.room.sessionId);
      await until(() => laptop.room.state.phase === "playing", "the laptop's game state");
      await until(() => bob.room.state.players.get(laptop.room.sessionId)?.connected === true, "Ann connected again");
      const room = server.colyseus.getRoomById(phone.room.roomId) as any;
      assert.equal(room.keeper.match.players.length, 2);
      assert.ok(laptop.seats.length > 0, "the laptop got the seat token");
      // a stranger still cannot join the started game
      const cy = await sdkWith(server, await token("cy")).joinById(phone.room.roomId, { name: "Cy" }).then(() => null, (e: { code: number }) => e);
      assert.equal(cy?.code, 410);
    });

    it("refuses a rejoin without a token (401) and lets only the seat's identity take it back", async () => {
      const annToken = await token("ann", { name: "Ann" });
      const ann = await joined(annToken, (sdk) => sdk.create("game", {}));
      const seatToken = await until(() => ann.seats[0], "Ann's seat token");
      const code = ann.room.state.code;
      const rejoin = (bearer?: string) =>
        getJson(`${server.http}/rooms/${code}/rejoin`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
          body: JSON.stringify({ seatToken }),
        });
      const none = await rejoin();
      assert.equal(none.status, 401);
      assert.equal(none.body.error.code, "AUTH_REQUIRED");
      const forged = await rejoin("not-a-jwt");
      assert.equal(forged.status, 401);
      assert.equal(forged.body.error.code, "INVALID_TOKEN");
      // through the route: another identity's token is refused, the seat's own reaches the seat (connected right now: 409)
      const mallory = await rejoin(await token("mallory", { name: "Mallory" }));
      assert.equal(mallory.status, 403);
      assert.equal(mallory.body.error.code, "WRONG_PLAYER");
      const own = await rejoin(annToken);
      assert.equal(own.status, 409, JSON.stringify(own.body));
      assert.equal(own.body.error.code, "SEAT_IN_USE");
      // the room's check, which the route hands the caller's identity
      const room = server.colyseus.getRoomById(ann.room.roomId) as any;
      const stranger = await room.prepareRejoin(seatToken, "mallory");
      assert.equal(stranger.code, "WRONG_PLAYER");
      const anonymous = await room.prepareRejoin(seatToken);
      assert.equal(anonymous.code, "WRONG_PLAYER");
      // her own identity: the seat is connected (another tab), so the answer is the usual SEAT_IN_USE
      assert.equal((await room.prepareRejoin(seatToken, "ann")).code, "SEAT_IN_USE");
    });
  });

  describe("with AUTH_JWKS_FILE", () => {
    let server: TestServer;
    let dir: string;
    let privateKey: CryptoKey;
    before(async () => {
      const pair = await generateKeyPair("ES256");
      privateKey = pair.privateKey;
      dir = mkdtempSync(path.join(tmpdir(), "jwks-"));
      const file = path.join(dir, "jwks.json");
      writeFileSync(file, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "account-service-1", alg: "ES256", use: "sig" }] }));
      // parsed as an operator's environment is
      const settings = loadSettings({ NODE_ENV: "test", AUTH_JWKS_FILE: file });
      server = await startServer({ authJwks: settings.authJwks });
    });
    afterEach(() => server.colyseus.cleanup());
    after(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it("accepts a token signed by the JWKS's key (ES256) and seats its identity", async () => {
      const jwt = await new SignJWT({ name: "Ann" }).setProtectedHeader({ alg: "ES256", kid: "account-service-1" }).setSubject("user-42").setExpirationTime("5m").sign(privateKey);
      const room = await sdkWith(server, jwt).create("game", {});
      await until(() => room.state.players?.size === 1, "Ann seated");
      assert.equal((server.colyseus.getRoomById(room.roomId) as any).keeper.match.players[0].identity, "user-42");
      await room.leave();
    });

    it("refuses an HS256 token when only a JWKS is configured, and a key the JWKS does not hold", async () => {
      const hs = await refusedCreate(server, await hs256("user-42"));
      assert.equal(hs.http.status, 401);
      assert.match(hs.http.body.error, /^INVALID_TOKEN: .*algorithm/);
      const other = await generateKeyPair("ES256");
      const stranger = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "account-service-1" }).setSubject("user-42").setExpirationTime("5m").sign(other.privateKey);
      const refused = await refusedCreate(server, stranger);
      assert.equal(refused.http.status, 401);
      assert.match(refused.http.body.error, /^INVALID_TOKEN: .*signature/);
    });
  });

  describe("guest tokens (AUTH_GUESTS=1)", () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ authJwtSecret: SECRET, authGuests: true, authGuestSeconds: 600 });
    });
    afterEach(() => server.colyseus.cleanup());
    after(() => server.stop());
    const guest = (body: unknown, bearer?: string) =>
      getJson(`${server.http}/auth/guest`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify(body),
      });

    it("tells a client that tokens are required and guests are welcome", async () => {
      assert.deepEqual((await getJson(`${server.http}/auth`)).body, { required: true, guests: true });
    });

    it("issues a short-lived guest token that creates a room under the guest's name", async () => {
      const { status, body } = await guest({ name: "  Ann  " });
      assert.equal(status, 200);
      assert.equal(body.name, "Ann");
      assert.match(body.identity, /^guest:/);
      const expiresIn = Date.parse(body.expiresAt) - Date.now();
      assert.ok(expiresIn > 590_000 && expiresIn <= 600_000, `expires in ${expiresIn} ms`);
      const room = await sdkWith(server, body.token).create("game", {});
      await until(() => room.state.players?.get(room.sessionId)?.name === "Ann", "the guest seated as Ann");
      await room.leave();
    });

    it("renews a guest token with the same identity, and refuses to renew a token that is not a guest's", async () => {
      const first = (await guest({ name: "Ann" })).body;
      const renewed = await guest({}, first.token);
      assert.equal(renewed.status, 200);
      assert.equal(renewed.body.identity, first.identity);
      assert.equal(renewed.body.name, "Ann");
      const account = await guest({ name: "Ann" }, await hs256("account-1"));
      assert.equal(account.status, 401);
      assert.equal(account.body.error.code, "INVALID_TOKEN");
      const expired = await guest({ name: "Ann" }, await hs256(first.identity, { iss: "boardroom:guest" }, { expires: Math.floor(Date.now() / 1000) - 1 }));
      assert.equal(expired.status, 401);
    });

    it("answers bad guest requests with typed JSON errors", async () => {
      for (const body of [{ name: "" }, { name: 42 }, {}]) {
        const answer = await guest(body);
        assert.equal(answer.status, 400, JSON.stringify(body));
        assert.equal(answer.body.error.code, "INVALID_BODY");
      }
    });
  });

  it("refuses guest tokens with 403 GUESTS_DISABLED when AUTH_GUESTS is off, and says so on GET /auth", async () => {
    const server = await startServer({ authJwtSecret: SECRET });
    try {
      assert.deepEqual((await getJson(`${server.http}/auth`)).body, { required: true, guests: false });
      const answer = await getJson(`${server.http}/auth/guest`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Ann"}' });
      assert.equal(answer.status, 403);
      assert.equal(answer.body.error.code, "GUESTS_DISABLED");
    } finally {
      await server.stop();
    }
  });

  it("is off by default: anyone joins under any name, and GET /auth says no token is needed", async () => {
    const server = await startServer();
    try {
      assert.deepEqual((await getJson(`${server.http}/auth`)).body, { required: false, guests: false });
      const room = await new ColyseusSDK(server.ws).create("game", { name: "Ann" });
      await until(() => room.state.players?.size === 1, "Ann seated");
      await room.leave();
    } finally {
      await server.stop();
    }
  });

  for (const backend of backends()) {
    describe(`match records (${backend.name} store)`, () => {
      let server: TestServer;
      before(async function () {
        server = await backend.start(this, { authJwtSecret: SECRET, minTurnSeconds: 0.5 });
      });
      after(async () => {
        await server?.stop();
        await backend.release();
      });

      it("keep each player's identity, and GET /matches/recent does not show it", async () => {
        const players: Observed[] = [];
        const ann = await sdkWith(server, await hs256("account-ann", { name: "Ann" })).create("game", { maxRounds: 1, turnSeconds: 0.5 });
        players.push(observe(ann));
        players.push(observe(await sdkWith(server, await hs256("account-bob", { name: "Bob" })).joinById(ann.roomId, {})));
        await readyAndStart(players);
        await playToTheEnd(players);
        const [record] = await until(async () => {
          const recent = await server.parts.store.matches.recent(1);
          return recent.length > 0 && recent[0].code === ann.state.code ? recent : null;
        }, "the match recorded");
        assert.deepEqual(record.players.map((p) => [p.name, p.identity]).sort(), [["Ann", "account-ann"], ["Bob", "account-bob"]]);
        const shown = (await getJson(`${server.http}/matches/recent?limit=1`)).body.matches[0];
        assert.ok(shown.players.every((p: Record<string, unknown>) => !("identity" in p)));
        for (const p of players) await p.room.leave().catch(() => {});
      });
    });
  }
});

describe("identities in the match log", () => {
  const open = { t: "open" as const, at: 0, code: "123456", options: { private: false, maxPlayers: 3, maxRounds: 10, turnSeconds: 60 } };

  it("replays a seat entry written before player tokens (no identity) as a seat without one, and keeps the identity of one written with", () => {
    const match = replay([
      open,
      { t: "seat", at: 1, id: "ann", name: "Ann", seat: 0, tokenHash: "h1" },
      { t: "seat", at: 2, id: "bob", name: "Bob", seat: 1, tokenHash: "h2", identity: "account-bob" },
    ]);
    assert.deepEqual(match.players.map((p) => p.identity), [null, "account-bob"]);
  });

  it("refuses a second seat for an identity that already has one, under any sessionId", () => {
    const match = replay([open, { t: "seat", at: 1, id: "s1", name: "Ann", seat: 0, tokenHash: "h1", identity: "account-ann" }]);
    const second = step(match, { t: "seat", at: 2, id: "s2", name: "Ann two", seat: 1, tokenHash: "h2", identity: "account-ann" });
    assert.equal(second.ok, false);
  });
});

describe("player tokens across a restart (MySQL)", function () {
  this.timeout(90_000);
  const fleet = processesPerTest({ AUTH_JWT_SECRET: SECRET, CODE_LOOKUP_LIMIT: "10000", HEARTBEAT_SECONDS: "0.2", STALE_PROCESS_SECONDS: "1", RESTORE_WAIT_SECONDS: "30" });

  it("keeps each seat's identity in the replayed log: after a restart each player joins again with its token and gets its own seat", async () => {
    const first = await fleet.start();
    const tokens = [await hs256("account-ann", { name: "Ann" }), await hs256("account-bob", { name: "Bob" })];
    const sdkOf = (server: ServerProcess, token: string) => {
      const sdk = new PlayerSDK(server.ws);
      sdk.auth.token = token;
      return sdk;
    };
    const ann = observe(await sdkOf(first, tokens[0]).create("game", { turnSeconds: 60 }));
    const bob = observe(await sdkOf(first, tokens[1]).joinById(ann.room.roomId, {}));
    await readyAndStart([ann, bob]);
    const code = ann.room.state.code;
    const before = [ann.room.sessionId, bob.room.sessionId];
    for (const o of [ann, bob]) o.room.reconnection.enabled = false;
    await first.stop("SIGTERM");
    const second = await fleet.start({}, first.port);
    const back: Observed[] = [];
    for (const token of tokens) {
      const { body } = await until(async () => {
        const answer = await getJson(`${second.http}/rooms/${code}`);
        return answer.status === 200 ? answer : null;
      }, "the room restored");
      back.push(observe(await sdkOf(second, token).joinById(body.roomId, {})));
    }
    assert.deepEqual(back.map((o) => o.room.sessionId), before);
    await until(() => back.every((o) => o.room.state.phase === "playing" && o.room.state.players.size === 2), "both back in the game");
    const mover = back.find((o) => o.room.state.currentTurn === o.room.sessionId)!;
    const answer = await ask(mover, "roll");
    assert.ok("seq" in answer, JSON.stringify(answer));
    for (const o of back) await o.room.leave().catch(() => {});
  });
});

describe("the load-test bots with --auth", function () {
  this.timeout(40_000);
  let server: TestServer;
  before(async () => {
    server = await startServer({ authJwtSecret: SECRET, authAudience: "boardroom-test", minTurnSeconds: 1 });
  });
  after(() => server.stop());

  it("sign a token of their own each and play whole games on a server that requires tokens", async () => {
    const swarm = new Swarm(fastBots(server.ws, botSettings({ auth: true }, { AUTH_JWT_SECRET: SECRET, AUTH_AUDIENCE: "boardroom-test" })));
    const identities = new Set<string>();
    await swarm.start({ numClients: 4, delayMs: 10, namePrefix: "bot" });
    try {
      await until(async () => {
        for (const identity of await seatIdentities(server)) if (identity) identities.add(identity);
        return swarm.metrics.counters.gamesFinished >= 2 || swarm.metrics.counters.errors > 0;
      }, "two games to finish", 30_000);
    } finally {
      await swarm.stop();
    }
    const { counters, errorSamples } = swarm.metrics;
    assert.equal(counters.errors, 0, errorSamples.join("\n"));
    assert.ok(counters.joins >= 4 && counters.acks > 0, JSON.stringify(counters));
    assert.equal(identities.size, 4, [...identities].join(", "));
    for (const identity of identities) assert.match(identity, /^loadtest:[\w-]+:bot\d$/);
  });

  it("refuse --auth without AUTH_JWT_SECRET in the environment, and list --auth in the help of the bots and the bench", async () => {
    assert.throws(() => botSettings({ auth: true }, {}), (e: unknown) => e instanceof UsageError && /AUTH_JWT_SECRET/.test(e.message));
    assert.equal(botSettings({}, { AUTH_JWT_SECRET: SECRET }).auth, null);
    for (const script of ["loadtest/cli.ts", "bench/run.ts"]) {
      const help = spawnSync(process.execPath, ["--import", "tsx", script, "--help"], { encoding: "utf8", env: { ...process.env, DOTENV_CONFIG_QUIET: "true" } });
      assert.equal(help.status, 0, help.stderr);
      assert.match(help.stdout, /--auth +each bot signs its own player token/, script);
    }
  });
});

/** The identities of the seats of every game room the server runs now. */
async function seatIdentities(server: TestServer): Promise<Array<string | null>> {
  const listings = await matchMaker.query({ name: "game" });
  return listings.flatMap((l) => ((server.colyseus.getRoomById(l.roomId) as any)?.keeper?.match.players ?? []).map((p: { identity: string | null }) => p.identity));
}

describe("player token settings", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "auth-settings-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, content);
    return at;
  };

  it("are off by default, and read every variable", async () => {
    const off = loadSettings({});
    assert.deepEqual([off.authJwtSecret, off.authJwks, off.authAudience, off.authGuests, off.authGuestSeconds], [null, null, null, false, 3600]);
    const { publicKey } = await generateKeyPair("RS256");
    const jwks = file("ok.json", JSON.stringify({ keys: [await exportJWK(publicKey)] }));
    const on = loadSettings({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_FILE: jwks, AUTH_AUDIENCE: "game", AUTH_GUESTS: "1", AUTH_GUEST_SECONDS: "900" });
    assert.equal(on.authJwtSecret, SECRET);
    assert.equal(on.authJwks?.keys[0].kty, "RSA");
    assert.deepEqual([on.authAudience, on.authGuests, on.authGuestSeconds], ["game", true, 900]);
  });

  const bad: Array<[string, () => Promise<Record<string, string>>, RegExp]> = [
    ["AUTH_JWT_SECRET", async () => ({ AUTH_JWT_SECRET: "short" }), /at least 32 characters/],
    ["AUTH_GUESTS", async () => ({ AUTH_GUESTS: "1" }), /needs AUTH_JWT_SECRET/],
    ["AUTH_GUESTS", async () => ({ AUTH_GUESTS: "yes", AUTH_JWT_SECRET: SECRET }), /must be 1 or 0/],
    ["AUTH_GUEST_SECONDS", async () => ({ AUTH_GUEST_SECONDS: "5" }), /from 60 to 86400/],
    ["AUTH_JWKS_FILE", async () => ({ AUTH_JWKS_FILE: path.join(dir, "missing.json") }), /cannot be read/],
    ["AUTH_JWKS_FILE", async () => ({ AUTH_JWKS_FILE: file("text.json", "not json") }), /not JSON/],
    ["AUTH_JWKS_FILE", async () => ({ AUTH_JWKS_FILE: file("empty.json", '{"keys":[]}') }), /non-empty "keys"/],
    ["AUTH_JWKS_FILE", async () => ({ AUTH_JWKS_FILE: file("oct.json", '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}') }), /RSA or EC public key/],
    [
      "AUTH_JWKS_FILE",
      async () => {
        const { privateKey } = await generateKeyPair("ES256", { extractable: true });
        return { AUTH_JWKS_FILE: file("private.json", JSON.stringify({ keys: [await exportJWK(privateKey)] })) };
      },
      /private key/,
    ],
  ];
  for (const [variable, env, why] of bad) {
    it(`stops the start with one line naming ${variable} when it is wrong (${why.source})`, async () => {
      const settings = await env();
      assert.throws(() => loadSettings(settings), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.variable, variable);
        assert.match(e.message, new RegExp(`^Invalid configuration: ${variable} `));
        assert.match(e.message, why);
        assert.doesNotMatch(e.message, /\n/);
        return true;
      });
    });
  }
});
