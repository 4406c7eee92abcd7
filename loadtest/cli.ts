/**
 * `npm run loadtest -- --numClients 500 --endpoint ws://127.0.0.1:2567`: bots that play complete
 * games against a running server for --duration seconds, print a line every few seconds and a
 * summary at the end, then stop by themselves.
 */
import { parseArgs } from "node:util";
import { BOT_FLAGS, BOT_FLAGS_HELP, UsageError, botSettings, numberFlag } from "./args.ts";
import { presence } from "./bot.ts";
import { Metrics, type MetricsData } from "./metrics.ts";
import { Swarm } from "./swarm.ts";

const HELP = `npm run loadtest -- [flags]

  --numClients N         bots to run                                  (default 10)
  --delay MS             between the starts of two bots               (default 20)
  --duration S           stop after this many seconds                 (default 60, at most 3600)
${BOT_FLAGS_HELP}
  --json                 print the final metrics as JSON
  --help`;

function main() {
  const { values } = parseArgs({
    options: {
      ...BOT_FLAGS,
      numClients: { type: "string" },
      delay: { type: "string" },
      duration: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const settings = botSettings(values);
  const numClients = Math.floor(numberFlag(values.numClients, "numClients", 10, 1, 20_000));
  const delayMs = numberFlag(values.delay, "delay", 20, 0, 60_000);
  const durationMs = numberFlag(values.duration, "duration", 60, 1, 3600) * 1000;
  return run(settings, numClients, delayMs, durationMs, values.json === true);
}

async function run(settings: ReturnType<typeof botSettings>, numClients: number, delayMs: number, durationMs: number, json: boolean) {
  const swarm = new Swarm(settings);
  const startedAt = performance.now();
  let window = snapshot(swarm.metrics);
  let windowAt = startedAt;

  const report = setInterval(() => {
    const now = performance.now();
    const current = snapshot(swarm.metrics);
    const delta = difference(current, window);
    const { players, rooms, away } = presence();
    const l = delta.summaries();
    console.log(
      `${((now - startedAt) / 1000).toFixed(0).padStart(4)}s  players ${players}  rooms ${rooms}  ` +
        `actions/s ${((delta.counters.actions * 1000) / (now - windowAt)).toFixed(0)}  ` +
        `p99 ack ${ms(l.actionAck.p99)}  state ${ms(l.stateAllMembers.p99)}  join-by-code ${ms(l.joinByCode.p99)}  ` +
        `errors ${current.counters.errors}  dropped ${current.counters.dropped}` +
        (away || current.counters.rejoined ? `  away ${away}  rejoined ${current.counters.rejoined}` : ""),
    );
    window = current;
    windowAt = now;
  }, 5000);

  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const timer = setTimeout(finish, durationMs);
  process.once("SIGINT", finish);
  process.once("SIGTERM", finish);

  console.log(`${numClients} bots against ${settings.endpoints.join(", ")} for ${durationMs / 1000}s (think ${settings.thinkMs} ms, private ${settings.privateRatio})`);
  try {
    await swarm.start({ numClients, delayMs, namePrefix: "bot" });
  } catch (e) {
    console.error(`cannot reach the server at ${settings.endpoints[0]} (GET /board): ${(e as Error).message}`);
    process.exit(1);
  }
  await finished;
  clearTimeout(timer);
  clearInterval(report);
  await swarm.stop();

  const summary = {
    seconds: Math.round((performance.now() - startedAt) / 1000),
    counters: swarm.metrics.counters,
    latencies: swarm.metrics.summaries(),
    errorKinds: swarm.metrics.errorKinds,
    errorSamples: swarm.metrics.errorSamples,
  };
  if (json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(`\nafter ${summary.seconds}s:`, JSON.stringify(summary.counters));
    console.log("latency ms      count      p50      p95      p99      max");
    for (const [name, s] of Object.entries(summary.latencies)) {
      console.log(`${name.padEnd(16)}${String(s.count).padStart(6)} ${ms(s.p50).padStart(8)} ${ms(s.p95).padStart(8)} ${ms(s.p99).padStart(8)} ${ms(s.max).padStart(8)}`);
    }
    if (summary.errorSamples.length) console.log("errors:", summary.errorKinds, `\n  ${summary.errorSamples.join("\n  ")}`);
  }
  process.exit(0);
}

function ms(v: number | null) {
  return v === null ? "-" : v.toFixed(1);
}

function snapshot(m: Metrics): MetricsData {
  return structuredClone(m.toJSON());
}

/** The metrics of a window: counters subtracted, histograms rebuilt from bucket differences. */
function difference(now: MetricsData, before: MetricsData): Metrics {
  const d = new Metrics();
  for (const key of Object.keys(now.counters) as Array<keyof MetricsData["counters"]>) d.counters[key] = now.counters[key] - before.counters[key];
  for (const key of Object.keys(now.latencies) as Array<keyof MetricsData["latencies"]>) {
    const a = now.latencies[key];
    const b = before.latencies[key];
    const buckets: Record<number, number> = {};
    for (const [i, n] of Object.entries(a.buckets)) {
      const diff = n - (b.buckets[Number(i)] ?? 0);
      if (diff > 0) buckets[Number(i)] = diff;
    }
    d.latencies[key].merge({ count: a.count - b.count, sum: a.sum - b.sum, max: a.max, buckets });
  }
  return d;
}

try {
  await main();
} catch (e) {
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`${(e as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  throw e;
}
