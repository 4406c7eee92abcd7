/**
 * The load-test bots (loadtest/) against a real server: they handle every message the server may send
 * them (the list is docs/protocol.md's, "Messages: server to client"), and they play whole games
 * without an error or an SDK warning.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BotContext, DEFAULT_BOT_SETTINGS, Seat, type BotSettings } from "../loadtest/bot.ts";
import { Metrics } from "../loadtest/metrics.ts";
import { Swarm } from "../loadtest/swarm.ts";
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
};

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
  const settings = (): BotSettings => ({
    ...DEFAULT_BOT_SETTINGS,
    endpoints: [server.ws],
    thinkMs: 20,
    rounds: 1,
    turnSeconds: 1,
    groupSize: 2,
    lobbyWaitMs: 200,
    timeoutMs: 5000,
  });

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
    const types = documentedServerMessages();
    for (const type of ["ack", "error", "event", "chat", "history"]) assert.ok(types.includes(type), `${type} among ${types.join(", ")}`);
    const ctx = new BotContext({ ...settings(), thinkMs: 60_000 }, new Metrics());
    warnings = captureWarnings();
    const room = await ctx.clients[0].create("game", ctx.createOptions("Ann", true));
    const seat = new Seat(ctx, room, "Ann", 2, false);
    const client = server.colyseus.getRoomById(room.roomId).clients.getById(room.sessionId);
    assert.ok(client, "the bot's connection on the server");
    for (const type of types) client.send(type, SAMPLES[type] ?? {});
    // the pong comes after every message the server sent before it
    await new Promise<void>((resolve) => room.ping(() => resolve()));
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
