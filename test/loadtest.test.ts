/**
 * The load-test bots (loadtest/) against a real server: they handle every message the server may send
 * them (the list is docs/protocol.md's, "Messages: server to client", plus the contract's `seat`),
 * they play whole games without an error or an SDK warning, and (with MySQL) they take their seats
 * back by token when the server process is stopped or killed and started again.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BotContext, DEFAULT_BOT_SETTINGS, SERVER_MESSAGE_TYPES, Seat, presence, type BotSettings } from "../loadtest/bot.ts";
import { Metrics } from "../loadtest/metrics.ts";
import { Swarm } from "../loadtest/swarm.ts";
import { fastBots } from "./helpers/bots.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { startProcess, type ServerProcess } from "./helpers/process.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { until } from "./helpers/wait.ts";

/** The `type` column of the protocol's table of server-to-client messages. */
function documentedServerMessages(): string[] {
  const protocol = readFileSync(new URL("../docs/protocol.md", import.meta.url), "utf8");
  const section = protocol.split(/^## Messages: server to client$/m)[1]?.split(/^#{2,3} /m)[0] ?? "";
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
}

/** A payload of each documented shape; a type documented later without one here gets an empty object. */
const SAMPLES: Record<string, unknown> = {
  ack: { opId: null, seq: 0 },
  error: { code: "WRONG_PHASE", message: "not possible in this phase" },
  event: { seq: 0, type: "turn_started", player: "someone", round: 1 },
  chat: { from: "someone", name: "Ann", text: "hello", at: 0 },
  history: { events: [], chats: [] },
  seat: { seatToken: "a-sample-seat-token" },
};

/** Sent by the server (src/messages/contract.ts SeatMessage) whether or not protocol.md lists it yet. */
const CONTRACT_SERVER_MESSAGES = ["seat"];

/** Collects what is written to console.warn and console.error (the SDK's warnings) until `stop`. */
function captureWarnings() {
  const lines: string[] = [];
  const { warn, error } = console;
  console.warn = (...args: unknown[]) => void lines.push(args.join(" "));
  console.error = (...args: unknown[]) => void lines.push(args.join(" "));
  return {
    lines,
    stop() {
      console.warn = warn;
      console.error = error;
    },
  };
}

describe("the load-test bots", function () {
  this.timeout(30_000);
  let server: TestServer;
  let warnings: ReturnType<typeof captureWarnings> | null = null;
  const settings = (): BotSettings => fastBots(server.ws);

  before(async () => {
    server = await startServer({ mysqlUrl: null, minTurnSeconds: 1 });
  });
  afterEach(() => {
    warnings?.stop();
    warnings = null;
  });
  after(async () => {
    await server?.stop();
  });

  it("handle every documented server message, from the moment a bot joins, without an SDK warning", async () => {
    const documented = documentedServerMessages();
    for (const type of ["ack", "error", "event", "chat", "history"]) assert.ok(documented.includes(type), `${type} among ${documented.join(", ")}`);
    const types = [...new Set([...documented, ...CONTRACT_SERVER_MESSAGES])];
    for (const type of types) assert.ok((SERVER_MESSAGE_TYPES as readonly string[]).includes(type), `the bots handle ${type}`);
    const ctx = new BotContext({ ...settings(), thinkMs: 60_000 }, new Metrics());
    warnings = captureWarnings();
    const room = await ctx.clients[0].create("game", ctx.createOptions("Ann", true));
    const seat = new Seat(ctx, room, "Ann", 2, false);
    const client = server.colyseus.getRoomById(room.roomId).clients.getById(room.sessionId);
    assert.ok(client, "the bot's connection on the server");
    for (const type of types) client.send(type, SAMPLES[type] ?? {});
    // the pong comes after every message the server sent before it
    await new Promise<void>((resolve) => room.ping(() => resolve()));
    assert.equal(seat.seatToken, (SAMPLES.seat as { seatToken: string }).seatToken, "the bot keeps the latest seat token");
    await seat.leave();
    ctx.stop();
    warnings.stop();
    assert.deepEqual(warnings.lines, []);
  });

  it("play whole games in private and quick-play rooms without an error, a dropped connection or an SDK warning", async () => {
    const swarm = new Swarm(settings());
    warnings = captureWarnings();
    await swarm.start({ numClients: 4, delayMs: 10, namePrefix: "bot" });
    try {
      await until(() => swarm.metrics.counters.gamesFinished >= 2 || swarm.metrics.counters.errors > 0, "two games to finish", 20_000);
    } finally {
      await swarm.stop();
      warnings.stop();
    }
    const { counters, errorSamples } = swarm.metrics;
    assert.equal(counters.errors, 0, errorSamples.join("\n"));
    assert.equal(counters.dropped, 0);
    assert.ok(counters.joins >= 4 && counters.acks > 0, JSON.stringify(counters));
    assert.deepEqual(warnings.lines, []);
  });
});

describe("the load-test bots across a server restart (MySQL)", function () {
  this.timeout(120_000);
  let db: TestDatabase;
  let server: ServerProcess | null = null;
  const env = () => ({
    MYSQL_URL: db.url,
    HEARTBEAT_SECONDS: "0.5",
    STALE_PROCESS_SECONDS: "2",
    MIN_TURN_SECONDS: "0.05",
    AWAY_TURN_SECONDS: "0.05",
  });

  before(async function () {
    await requireMysql(this);
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await server?.stop("SIGKILL");
    server = null;
  });
  after(async () => {
    await db?.drop();
  });

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`take every seat back by token after ${signal} and a restart on the same port, every checked ack kept, and play on`, async () => {
      server = await startProcess(env());
      const numClients = 6;
      const swarm = new Swarm({
        ...DEFAULT_BOT_SETTINGS,
        endpoints: [server.ws],
        thinkMs: 150,
        rounds: 3,
        turnSeconds: 5,
        groupSize: 3,
        lobbyWaitMs: 300,
        timeoutMs: 5000,
        retryForMs: 30_000,
        verifyAcks: 5,
      });
      const { counters, errorSamples } = swarm.metrics;
      const log = () => `${JSON.stringify(counters)}\n${errorSamples.join("\n")}\nserver:\n${server?.output().slice(-3000)}`;
      await swarm.start({ numClients, delayMs: 10, namePrefix: signal.toLowerCase() });
      try {
        // every bot seated, some of their actions acknowledged
        await until(() => presence().players === numClients && counters.acks >= 10, "every bot seated, with acks", 30_000);
        const { port } = server;
        const before = { rejoined: counters.rejoined, finished: counters.gamesFinished };
        await server.stop(signal);
        server = await startProcess(env(), { port });
        await until(() => presence().away === 0 && counters.rejoined - before.rejoined >= numClients - 1, "the seats taken back", 40_000).catch((e) => {
          throw new Error(`${(e as Error).message}\n${log()}`);
        });
        const closed = signal === "SIGTERM" ? counters.toldToRejoin : counters.dropped;
        assert.ok(closed >= numClients - 1, `closed ${closed}: ${log()}`);
        await until(() => counters.acksVerified > 0 || counters.errors > 0, "acks verified after the rejoin", 10_000);
        await until(() => counters.gamesFinished > before.finished, "a game to finish after the restart", 40_000);
      } finally {
        await swarm.stop();
      }
      assert.equal(counters.errors, 0, log());
      assert.equal(counters.rejoinRetries > 0, true, "the bots retried while the server was down");
    });
  }
});
