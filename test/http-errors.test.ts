/**
 * HTTP errors are JSON, always: a malformed or oversized body, an unknown route, a database outage
 * and an unexpected failure each answer `{ error: { code, message } }` with no stack, file path or
 * database address, in development as in production; and every answer carries the security headers.
 */
import assert from "node:assert/strict";
import type { Settings } from "../src/config.ts";
import { createStore } from "../src/store/index.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { PlayerSDK } from "./helpers/players.ts";
import { TcpProxy } from "./helpers/tcpProxy.ts";

interface Answer {
  status: number;
  type: string;
  text: string;
  body: any;
  headers: Headers;
}

async function ask(url: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* asserted on below */
  }
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, body, headers: res.headers };
}

const postJson = (body: string): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body });

/** The answer is the API's JSON error with this status and code, and tells nothing about the server's insides. */
function assertApiError(answer: Answer, status: number, code: string, secrets: string[] = []) {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.type, /^application\/json/, answer.text);
  assert.ok(answer.body, `not JSON: ${answer.text}`);
  assert.deepEqual(Object.keys(answer.body), ["error"]);
  assert.deepEqual(Object.keys(answer.body.error).sort(), ["code", "message"]);
  assert.equal(answer.body.error.code, code);
  assert.equal(typeof answer.body.error.message, "string");
  assertNoLeak(answer.text, secrets);
}

function assertNoLeak(text: string, secrets: string[] = []) {
  for (const leak of ["at ", "/work", ".ts:", "127.0.0.1:", "node_modules", "Error:", ...secrets]) {
    assert.ok(!text.includes(leak), `the answer gives away "${leak}": ${text}`);
  }
}

/** The failure is logged once, in one line, and the line says what happened. */
function assertLoggedOnce(logs: string[], pattern: RegExp) {
  const lines = logs.filter((l) => pattern.test(l));
  assert.equal(lines.length, 1, logs.join("\n"));
  assert.ok(!lines[0].includes("\n"), lines[0]);
}

/** A server whose store fails in a way nobody planned for (a bug, not the database). */
function startWithBrokenStore(overrides: Partial<Settings>): Promise<TestServer> {
  return startServer(overrides, {
    store: (settings) => {
      const store = createStore(settings);
      store.matches.recent = async () => {
        throw new TypeError(`Cannot read properties of undefined (reading 'rank') at ${import.meta.filename}:1:2`);
      };
      return store;
    },
  });
}

for (const nodeEnv of ["development", "production"] as const) {
  describe(`HTTP errors (NODE_ENV=${nodeEnv})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startWithBrokenStore({ nodeEnv });
    });
    after(() => server.stop());
    beforeEach(() => {
      server.logs.length = 0;
    });

    it("answers a malformed JSON body with 400 INVALID_JSON, and logs it in one line", async () => {
      const answer = await ask(`${server.http}/rooms/123456/rejoin`, postJson('{"seatToken": nope'));
      assertApiError(answer, 400, "INVALID_JSON");
      assertLoggedOnce(server.logs, /INVALID_JSON/);
    });

    it("answers a body over the limit with 413 PAYLOAD_TOO_LARGE", async () => {
      const answer = await ask(`${server.http}/rooms/123456/rejoin`, postJson(JSON.stringify({ seatToken: "x".repeat(70_000) })));
      assertApiError(answer, 413, "PAYLOAD_TOO_LARGE");
      assertLoggedOnce(server.logs, /PAYLOAD_TOO_LARGE/);
    });

    it("answers an unknown route with 404 NOT_FOUND, whatever the method", async () => {
      assertApiError(await ask(`${server.http}/no/such/route`), 404, "NOT_FOUND");
      assertApiError(await ask(`${server.http}/no/such/route`, postJson("{}")), 404, "NOT_FOUND");
      assertApiError(await ask(`${server.http}/matchmake/create/game`), 404, "NOT_FOUND");
    });

    it("answers a path with a malformed % escape with 400 INVALID_URL", async () => {
      assertApiError(await ask(`${server.http}/rooms/%ZZ`), 400, "INVALID_URL");
    });

    it("answers an unexpected failure with 500 INTERNAL, and logs the detail in one line", async () => {
      const answer = await ask(`${server.http}/matches/recent`);
      assertApiError(answer, 500, "INTERNAL", ["rank", "TypeError"]);
      assertLoggedOnce(server.logs, /GET \/matches\/recent failed with INTERNAL: TypeError: Cannot read properties/);
    });

    it("answers a malformed JSON body on /matchmake with 400 INVALID_JSON in the { code, error } shape the SDK reads", async () => {
      const answer = await ask(`${server.http}/matchmake/create/game`, postJson("{nope"));
      assert.equal(answer.status, 400);
      assert.match(answer.type, /^application\/json/);
      assert.equal(answer.body.code, 400);
      assert.match(answer.body.error, /^INVALID_JSON: /);
      assertNoLeak(answer.text);
    });

    it("answers a matchmaking body over the limit with 413 PAYLOAD_TOO_LARGE in the SDK's shape, declared or streamed, and creates nothing", async () => {
      const huge = JSON.stringify({ name: "Ann", padding: "x".repeat(2_000_000) });
      const declared = await ask(`${server.http}/matchmake/create/game`, postJson(huge));
      assert.equal(declared.status, 413, declared.text);
      assert.equal(declared.body.code, 413);
      assert.match(declared.body.error, /^PAYLOAD_TOO_LARGE: /);
      // no Content-Length: cut once the bytes read pass the limit
      const chunks = new ReadableStream({
        pull(controller) {
          controller.enqueue(new TextEncoder().encode(`{"name":"Ann","padding":"${"x".repeat(64 * 1024)}`));
        },
      });
      const streamed = await ask(`${server.http}/matchmake/create/game`, { method: "POST", headers: { "content-type": "application/json" }, body: chunks, duplex: "half" } as RequestInit);
      assert.equal(streamed.status, 413, streamed.text);
      assert.match(streamed.body.error, /^PAYLOAD_TOO_LARGE: /);
      const sdk = new PlayerSDK(server.ws);
      await assert.rejects(sdk.create("game", { name: "Ann", padding: "x".repeat(20_000) }), (e: { code?: number; message?: string }) => {
        assert.equal(e.code, 413);
        assert.match(e.message ?? "", /^PAYLOAD_TOO_LARGE: /);
        return true;
      });
      assert.deepEqual((await ask(`${server.http}/rooms`)).body.rooms, []);
      // a body within the limit is read and handed on as before
      const room = await sdk.create("game", { name: "Ann" });
      assert.match(room.roomId, /\S/);
      await room.leave();
    });

    it("keeps the SDK's { code, error } shape for a matchmaking refusal", async () => {
      const answer = await ask(`${server.http}/matchmake/create/game`, postJson(JSON.stringify({ name: "" })));
      assert.equal(answer.status, 400);
      assert.equal(answer.body.code, 400);
      assert.equal(typeof answer.body.error, "string");
    });

    it("sends the security headers on the page, the API, a 404, an error and /matchmake", async () => {
      const answers = {
        page: await ask(`${server.http}/`),
        api: await ask(`${server.http}/rooms`),
        notFound: await ask(`${server.http}/nope`),
        error: await ask(`${server.http}/rooms/123456/rejoin`, postJson("{")),
        matchmake: await ask(`${server.http}/matchmake/create/game`, postJson(JSON.stringify({ name: "" }))),
      };
      for (const [what, { headers }] of Object.entries(answers)) {
        assert.equal(headers.get("x-content-type-options"), "nosniff", what);
        assert.equal(headers.get("x-frame-options"), "DENY", what);
        assert.equal(headers.get("referrer-policy"), "no-referrer", what);
        const csp = headers.get("content-security-policy") ?? "";
        assert.match(csp, /frame-ancestors 'none'/, what);
        assert.match(csp, /script-src 'self'(;|$)/, what);
        assert.match(csp, /default-src 'self'/, what);
        assert.equal(headers.get("x-powered-by"), null, what);
      }
    });
  });

  describe(`HTTP errors during a database outage (NODE_ENV=${nodeEnv})`, () => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    let server: TestServer;
    before(async function () {
      await requireMysql(this);
      db = await createTestDatabase();
      proxy = await TcpProxy.start({ host: "127.0.0.1", port: Number(new URL(db.url).port || 3306) });
      server = await startServer({ nodeEnv, mysqlUrl: proxy.url(db.url), storeHoldSeconds: 0.3 });
      await proxy.cut("refuse");
    });
    after(async () => {
      await server?.stop().catch(() => {});
      await proxy?.close();
      await db?.drop();
    });

    it("answers GET /rooms/:code and GET /matches/recent with 503 UNAVAILABLE, without the database's address", async () => {
      const secrets = [`:${proxy.port}`, db.name, "ECONNREFUSED", "SELECT"];
      for (const path of ["/rooms/123456", "/matches/recent"]) {
        server.logs.length = 0;
        assertApiError(await ask(`${server.http}${path}`), 503, "UNAVAILABLE", secrets);
        assertLoggedOnce(server.logs, new RegExp(`GET ${path} failed with UNAVAILABLE: .*ECONNREFUSED`));
      }
    });

    it("says in /health what failed, but not where the database is", async () => {
      const health = await ask(`${server.http}/health`);
      assert.equal(health.status, 503);
      assert.equal(health.body.database.ok, false);
      assert.match(health.body.database.detail, /ECONNREFUSED/);
      assertNoLeak(health.text, [`:${proxy.port}`]);
    });
  });
}
