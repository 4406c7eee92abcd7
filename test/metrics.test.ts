/**
 * Operators' endpoints: GET /metrics behind METRICS_TOKEN (parsed with the strict text-format parser
 * of test/helpers/prometheus.ts, since no installed package parses it), counters that move with real
 * SDK traffic on the MySQL store, /health with Redis up and down, and /health/ready turning 503 while
 * a real process drains on SIGTERM.
 */
import assert from "node:assert/strict";
import { ConfigError, loadSettings } from "../src/config.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { ask, observe, PlayerSDK } from "./helpers/players.ts";
import { startProcess } from "./helpers/process.ts";
import { parsePrometheusText, sampleValue, type Family } from "./helpers/prometheus.ts";
import { RedisServer, requireRedisServer } from "./helpers/redisServer.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { getJson, until } from "./helpers/wait.ts";

const TOKEN = "metrics-token-for-the-specs-0123456789";

async function scrape(server: { http: string }): Promise<Map<string, Family>> {
  const res = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  return parsePrometheusText(await res.text());
}

describe("METRICS_TOKEN and DRAIN_SECONDS settings", () => {
  it("refuses a METRICS_TOKEN that is short or has spaces, and takes a long one", () => {
    for (const bad of ["short", "sixteen chars ok"]) {
      assert.throws(() => loadSettings({ METRICS_TOKEN: bad }), (e: Error) => e instanceof ConfigError && /METRICS_TOKEN/.test(e.message), bad);
    }
    assert.equal(loadSettings({ METRICS_TOKEN: TOKEN }).metricsToken, TOKEN);
    assert.equal(loadSettings({}).metricsToken, null);
  });

  it("drains for 0 seconds unless DRAIN_SECONDS says otherwise", () => {
    assert.equal(loadSettings({}).drainSeconds, 0);
    assert.equal(loadSettings({ DRAIN_SECONDS: "5" }).drainSeconds, 5);
    assert.throws(() => loadSettings({ DRAIN_SECONDS: "-1" }), /DRAIN_SECONDS/);
  });
});

describe("GET /metrics without METRICS_TOKEN", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  it("does not exist, and says how to turn it on", async () => {
    const { status, body } = await getJson(`${server.http}/metrics`);
    assert.equal(status, 404);
    assert.equal(body.error.code, "NOT_FOUND");
    assert.match(body.error.message, /METRICS_TOKEN/);
  });
});

describe("GET /metrics with METRICS_TOKEN", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ metricsToken: TOKEN });
  });
  after(() => server.stop());

  it("answers 401 without the token, with a wrong one, and with another scheme", async () => {
    for (const authorization of [undefined, "Bearer wrong-token", `Bearer ${TOKEN}x`, `Basic ${btoa(`x:${TOKEN}`)}`, TOKEN]) {
      const { status, body } = await getJson(`${server.http}/metrics`, authorization ? { headers: { authorization } } : {});
      assert.equal(status, 401, String(authorization));
      assert.equal(body.error.code, "UNAUTHORIZED");
    }
  });

  it("serves the Prometheus text format with the process metrics and the server's own", async () => {
    const res = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await res.text());
    for (const [name, type] of [
      ["process_cpu_user_seconds_total", "counter"],
      ["process_resident_memory_bytes", "gauge"],
      ["nodejs_eventloop_lag_seconds", "gauge"],
      ["boardroom_rooms", "gauge"],
      ["boardroom_players_seated", "gauge"],
      ["boardroom_players_connected", "gauge"],
      ["boardroom_messages_total", "counter"],
      ["boardroom_refusals_total", "counter"],
      ["boardroom_action_ack_seconds", "histogram"],
      ["boardroom_db_query_seconds", "histogram"],
      ["boardroom_restores_total", "counter"],
      ["boardroom_rejoins_total", "counter"],
    ]) {
      assert.equal(families.get(name)?.type, type, name);
    }
    assert.deepEqual(
      families.get("boardroom_rooms")!.samples.map((s) => s.labels.phase).sort(),
      ["finished", "lobby", "playing"],
    );
    // every message type and refusal code is a series from the start, at 0
    assert.equal(families.get("boardroom_messages_total")!.samples.find((s) => s.labels.type === "roll")?.value, 0);
    assert.equal(families.get("boardroom_refusals_total")!.samples.find((s) => s.labels.code === "NOT_YOUR_TURN")?.value, 0);
  });
});

describe("metrics under real traffic on the MySQL store", () => {
  let db: TestDatabase | null = null;
  let server: TestServer | null = null;
  before(async function () {
    await requireMysql(this);
    db = await createTestDatabase();
    server = await startServer({ mysqlUrl: db.url, metricsToken: TOKEN });
  });
  after(async () => {
    await server?.stop();
    await db?.drop();
  });

  it("counts messages, refusals, acks, rooms, players, database queries and rejoins", async () => {
    const before = await scrape(server!);
    const sdk = new PlayerSDK(server!.http);
    const room = await sdk.create("game", { name: "Ann" });
    try {
      const ann = observe(room);
      assert.ok("seq" in (await ask(ann, "ready", { ready: true })), "ready is acked");
      const refused = (await ask(ann, "chat", { text: 42 })) as { code?: string };
      assert.equal(refused.code, "INVALID_MESSAGE");
      const rejoin = await getJson(`${server!.http}/rooms/${room.state.code}/rejoin`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seatToken: "not-a-seat-token" }),
      });
      assert.equal(rejoin.status, 403);

      const after = await scrape(server!);
      const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
      assert.equal(delta("boardroom_messages_total", { type: "ready" }), 1);
      assert.equal(delta("boardroom_messages_total", { type: "chat" }), 1);
      assert.equal(delta("boardroom_refusals_total", { code: "INVALID_MESSAGE" }), 1);
      assert.equal(delta("boardroom_action_ack_seconds_count"), 1);
      assert.ok(delta("boardroom_action_ack_seconds_sum") > 0);
      assert.equal(sampleValue(after, "boardroom_rooms", { phase: "lobby" }), 1);
      assert.equal(sampleValue(after, "boardroom_rooms", { phase: "playing" }), 0);
      assert.equal(sampleValue(after, "boardroom_players_seated"), 1);
      assert.equal(sampleValue(after, "boardroom_players_connected"), 1);
      // the code's reservation, the log's first entries, the seat and the ready: each a few statements
      assert.ok(delta("boardroom_db_query_seconds_count") >= 4, `db queries: ${delta("boardroom_db_query_seconds_count")}`);
      assert.ok(delta("boardroom_db_query_seconds_sum") > 0);
      assert.equal(delta("boardroom_rejoins_total", { status: "403" }), 1);
    } finally {
      await room.leave();
    }
    await until(async () => sampleValue(await scrape(server!), "boardroom_rooms", { phase: "lobby" }) === 0, "the room gone from the gauge");
  });
});

describe("rate-limit refusals in /metrics", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ metricsToken: TOKEN, codeLookupLimit: 2, maxMessagesPerSecond: 10, reconnectSeconds: 30, floodCutLimit: 1000 });
  });
  after(() => server.stop());

  it("counts the 429s of failed code look-ups and the clients cut for flooding, by limit, from zero", async () => {
    const before = await scrape(server);
    for (const limit of ["code_lookup", "seat_cooldown", "guest_tokens", "flood_block", "flood_cut"]) {
      assert.equal(sampleValue(before, "boardroom_rate_limited_total", { limit }), 0, limit);
    }
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await getJson(`${server.http}/rooms/99999${i}`)).status);
    assert.deepEqual(statuses, [404, 404, 429, 429]);

    const room = await new PlayerSDK(server.http).create("game", { name: "Ann" });
    const cut = new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));
    for (let i = 0; i < 60; i++) room.send("chat", { text: `spam ${i}` });
    assert.equal(await cut, 4002);

    const after = await until(async () => {
      const now = await scrape(server);
      return sampleValue(now, "boardroom_rate_limited_total", { limit: "flood_cut" }) === 1 ? now : null;
    }, "the flood cut counted");
    assert.equal(sampleValue(after, "boardroom_rate_limited_total", { limit: "code_lookup" }), 2);
    assert.equal(sampleValue(after, "boardroom_rate_limited_total", { limit: "guest_tokens" }), 0);
  });
});

describe("/health with Redis", function () {
  this.timeout(60_000);
  let redis: RedisServer | null = null;
  let server: TestServer | null = null;
  before(async function () {
    requireRedisServer(this);
    redis = await RedisServer.start();
    server = await startServer({ redisUrl: redis.url, publicAddress: "127.0.0.1:{port}" });
  });
  after(async () => {
    await redis?.startAgain().catch(() => {});
    await server?.stop();
    await redis?.kill();
  });

  it("reports Redis up, then degraded (503) while it is down, then up again", async () => {
    const up = await getJson(`${server!.http}/health`);
    assert.equal(up.status, 200);
    assert.equal(up.body.status, "ok");
    assert.deepEqual(up.body.redis, { ok: true });

    await redis!.kill();
    const down = await until(async () => {
      const answer = await getJson(`${server!.http}/health`);
      return answer.status === 503 ? answer : null;
    }, "/health to notice Redis is down", 5000);
    assert.equal(down.body.status, "degraded");
    assert.equal(down.body.redis.ok, false);
    assert.equal(typeof down.body.redis.detail, "string");
    assert.equal(down.body.database.ok, true);

    await redis!.startAgain();
    const back = await until(async () => {
      const answer = await getJson(`${server!.http}/health`);
      return answer.status === 200 ? answer : null;
    }, "/health to see Redis again", 15_000);
    assert.deepEqual(back.body.redis, { ok: true });
  });
});

describe("GET /health/ready during a graceful stop", function () {
  this.timeout(60_000);

  it("answers 200 while taking players and 503 while the process drains on SIGTERM, its rooms still running", async () => {
    const proc = await startProcess({ DRAIN_SECONDS: "2" });
    try {
      const ready = await getJson(`${proc.http}/health/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(ready.body, { status: "ready", processId: ready.body.processId });

      const room = await new PlayerSDK(proc.http).create("game", { name: "Ann" });
      room.reconnection.enabled = false;
      let closedAt = 0;
      room.onLeave(() => (closedAt = Date.now()));
      const stopAt = Date.now();
      proc.child.kill("SIGTERM");
      const answers: Array<{ status: number; body: any }> = [];
      await until(async () => {
        answers.push(await getJson(`${proc.http}/health/ready`));
        return answers.filter((a) => a.status === 503).length >= 3;
      }, "/health/ready to answer 503 while the process drains", 10_000);
      assert.equal(proc.child.exitCode, null, "still running: draining");
      assert.equal(closedAt, 0, "the room still runs while the load balancer takes the process out");
      assert.deepEqual(answers.at(-1)!.body, { status: "draining", processId: ready.body.processId });
      // once draining, never ready again
      const first = answers.findIndex((a) => a.status === 503);
      assert.ok(answers.slice(first).every((a) => a.status === 503), JSON.stringify(answers.map((a) => a.status)));

      // a second SIGTERM would end the process at once (Colyseus listens for the first one only)
      if (proc.child.exitCode === null) await new Promise((resolve) => proc.child.once("exit", resolve));
      assert.equal(proc.child.exitCode, 0, proc.output());
      await until(() => closedAt, "the player's connection closed by the stop");
      assert.ok(closedAt - stopAt >= 1900, `closed ${closedAt - stopAt} ms after SIGTERM, before DRAIN_SECONDS`);
    } finally {
      await proc.stop("SIGKILL");
    }
  });
});
