/** The HTTP API: errors, health, monitor auth, playground, CORS, and the start-up sweep of dead codes. */
import assert from "node:assert/strict";
import mysql from "mysql2/promise";
import { ColyseusSDK } from "@colyseus/sdk";
import { JoinError } from "../src/messages/errors.ts";
import { MySqlStore } from "../src/store/mysql/index.ts";
import { createTestDatabase, requireMysql } from "./helpers/mysql.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { getJson } from "./helpers/wait.ts";

describe("HTTP API", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({
      monitorUser: "ops",
      monitorPassword: "s3cret",
      allowedOrigins: ["https://game.example"],
    });
  });
  after(() => server.stop());

  it("answers 400 INVALID_CODE for a code that is not 6 digits", async () => {
    for (const code of ["12345", "1234567", "abcdef", "12 456", "-12345"]) {
      const { status, body } = await getJson(`${server.http}/rooms/${encodeURIComponent(code)}`);
      assert.equal(status, 400, code);
      assert.equal(body.error.code, "INVALID_CODE");
      assert.equal(typeof body.error.message, "string");
    }
  });

  it("answers 404 ROOM_NOT_FOUND for an unknown code", async () => {
    const { status, body } = await getJson(`${server.http}/rooms/000000`);
    assert.equal(status, 404);
    assert.equal(body.error.code, "ROOM_NOT_FOUND");
  });

  it("reports health with the state of the database", async () => {
    const { status, body } = await getJson(`${server.http}/health`);
    assert.equal(status, 200);
    assert.equal(body.status, "ok");
    assert.deepEqual(body.database, { kind: "memory", ok: true });
  });

  it("keeps the monitor behind basic auth", async () => {
    const anonymous = await fetch(`${server.http}/monitor/`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get("www-authenticate") ?? "", /^Basic /);
    const wrong = await fetch(`${server.http}/monitor/`, { headers: { authorization: `Basic ${btoa("ops:nope")}` } });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${server.http}/monitor/`, { headers: { authorization: `Basic ${btoa("ops:s3cret")}` } });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /<html/i);
  });

  it("serves the playground outside production", async () => {
    const res = await fetch(`${server.http}/playground/`);
    assert.equal(res.status, 200);
  });

  it("gives credentials only to allowed origins", async () => {
    const allowed = await fetch(`${server.http}/rooms`, { headers: { origin: "https://game.example" } });
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://game.example");
    assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
    const other = await fetch(`${server.http}/rooms`, { headers: { origin: "https://evil.example" } });
    assert.notEqual(other.headers.get("access-control-allow-origin"), "https://evil.example");
    assert.notEqual(other.headers.get("access-control-allow-credentials"), "true");
  });

  it("applies the same origin policy to the matchmaking routes", async () => {
    const init = (origin: string): RequestInit => ({
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({ name: "Ann" }),
    });
    const other = await fetch(`${server.http}/matchmake/create/game`, init("https://evil.example"));
    assert.notEqual(other.headers.get("access-control-allow-credentials"), "true");
    const allowed = await fetch(`${server.http}/matchmake/create/game`, init("https://game.example"));
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://game.example");
    assert.equal(allowed.headers.get("access-control-allow-credentials"), "true");
    await server.colyseus.cleanup();
  });
});

describe("HTTP API in production without a monitor password", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ nodeEnv: "production", monitorPassword: null });
  });
  after(() => server.stop());

  it("does not serve the monitor, and says how to turn it on", async () => {
    const { status, body } = await getJson(`${server.http}/monitor/`);
    assert.equal(status, 404);
    assert.match(body.error.message, /MONITOR_PASSWORD/);
  });

  it("does not serve the playground", async () => {
    const res = await fetch(`${server.http}/playground/`);
    assert.equal(res.status, 404);
  });
});

describe("start-up against MySQL", () => {
  it("releases codes left by a crashed process, and reports the database in /health", async function () {
    await requireMysql(this);
    const db = await createTestDatabase();
    try {
      // A process that crashed: it held a code and stopped heart-beating long ago.
      const crashed = new MySqlStore({ url: db.url, staleProcessSeconds: 30 });
      await crashed.init();
      const code = await crashed.codes.reserve("room-of-a-crashed-process", "crashed-process");
      const conn = await mysql.createConnection({ uri: db.url });
      await conn.query("UPDATE server_processes SET heartbeat_at = NOW(3) - INTERVAL 1 HOUR");
      await crashed.close();

      const server = await startServer({ mysqlUrl: db.url });
      try {
        const [rows] = (await conn.query("SELECT code FROM room_codes WHERE code = ?", [code])) as any;
        assert.equal(rows.length, 0);
        assert.ok(server.logs.some((l) => /released 1 join code/.test(l)), server.logs.join("\n"));
        const { body } = await getJson(`${server.http}/health`);
        assert.deepEqual(body.database, { kind: "mysql", ok: true });
        assert.equal((await getJson(`${server.http}/rooms/${code}`)).status, 404);
      } finally {
        await server.stop();
        await conn.end();
      }
    } finally {
      await db.drop();
    }
  });
});

describe("when the database goes away", () => {
  it("reports it in /health and refuses to create rooms with UNAVAILABLE, saying why", async function () {
    await requireMysql(this);
    const db = await createTestDatabase();
    const server = await startServer({ mysqlUrl: db.url });
    try {
      await db.drop();
      const health = await getJson(`${server.http}/health`);
      assert.equal(health.status, 503);
      assert.equal(health.body.status, "degraded");
      assert.equal(health.body.database.ok, false);
      const sdk = new ColyseusSDK(server.ws);
      await assert.rejects(sdk.create("game", { name: "Ann" }), (e: any) => {
        assert.equal(e.code, JoinError.UNAVAILABLE);
        assert.match(e.message, /database is unavailable/);
        return true;
      });
      assert.ok(server.logs.some((l) => /could not reserve a join code/.test(l)));
      assert.equal((await getJson(`${server.http}/health`)).body.rooms, 0);
    } finally {
      await server.stop().catch(() => {});
    }
  });
});
