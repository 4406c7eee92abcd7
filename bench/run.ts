/**
 * `npm run bench`: starts the server (production start, separate process; N of them sharing Redis
 * and MySQL with --processes N), then drives bot worker processes through increasing levels of
 * concurrent players, a fixed window each, until errors appear or p99 passes the limit. Records
 * latencies (from the bots' clocks), the server's and the bots' CPU and the server's RSS (from
 * /proc), writes bench/results/*.json and an SVG chart, and prints a table.
 */
import { ConfigError, loadSettings } from "../src/config.ts";
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import type { BotSettings } from "../loadtest/bot.ts";
import { BOT_FLAGS, BOT_FLAGS_HELP, UsageError, botSettings, numberFlag } from "../loadtest/args.ts";
import { Metrics } from "../loadtest/metrics.ts";
import { writeChart } from "./chart.ts";
import { summariseProfile } from "./profile.ts";
import { goals, scaling, table, type LevelResult } from "./report.ts";
import { health, killAllServers, startServer, type ServerProcess } from "./servers.ts";
import { cpuPercent, machine, machineBusyPercent, pidsByName, rssBytes, sampleCpu } from "./system.ts";
import { BotWorker, killAllWorkers } from "./workers.ts";

const HELP = `npm run bench -- [flags]

  --levels N,N,...       concurrent players per level        (default 250,500,1000,2000,3000,5000)
  --level-seconds S      measurement window per level        (default 25)
  --warmup-seconds S     after the ramp, before measuring     (default 10)
  --ramp-rate N          players joining per second on ramp-up (default 250)
  --processes N          server processes sharing Redis + MySQL (default 1; N > 1 needs MYSQL_URL)
  --bot-workers N        bot processes                        (default 1)
  --p99-limit-ms MS      stop after a level whose state p99 passes this (default 250)
  --max-error-rate R     stop after a level with more errors+drops per action (default 0.001)
  --keep-going           run every level whatever happens
  --profile              run the server(s) with --cpu-prof and summarise the profile
  --max-minutes M        hard limit for the whole run         (default 20)
${BOT_FLAGS_HELP.split("\n").filter((l) => !l.includes("--endpoint")).join("\n").replace(/\(default 2\)/, "(default 1 in the bench)")}
  --help

Environment: MYSQL_URL (the server's store; required for --processes > 1),
REDIS_URL (for --processes > 1; default redis://127.0.0.1:6379/14, flushed first).`;

const RESULTS = "bench/results";
const DEFAULT_LEVELS = [250, 500, 1000, 2000, 3000, 5000];
const DEFAULT_REDIS = "redis://127.0.0.1:6379/14";

interface BenchOptions {
  levels: number[];
  levelSeconds: number;
  warmupSeconds: number;
  rampRate: number;
  processes: number;
  botWorkers: number;
  p99LimitMs: number;
  maxErrorRate: number;
  keepGoing: boolean;
  profile: boolean;
  maxMinutes: number;
  bots: Omit<BotSettings, "endpoints">;
}

function parse(): BenchOptions | null {
  const { values } = parseArgs({
    options: {
      ...BOT_FLAGS,
      levels: { type: "string" },
      "level-seconds": { type: "string" },
      "warmup-seconds": { type: "string" },
      "ramp-rate": { type: "string" },
      processes: { type: "string" },
      "bot-workers": { type: "string" },
      "p99-limit-ms": { type: "string" },
      "max-error-rate": { type: "string" },
      "keep-going": { type: "boolean" },
      profile: { type: "boolean" },
      "max-minutes": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return null;
  if (values.endpoint) throw new UsageError("--endpoint is not a bench flag: the bench starts its own server(s)");
  const levels = values.levels ? values.levels.split(",").map((v) => Math.floor(numberFlag(v.trim(), "levels", 0, 2, 20_000))) : DEFAULT_LEVELS;
  // games of 1-2 rounds (about 15-30 s with the default think time): rooms cycle within a level's window, so joins are measured in steady state
  const { endpoints: _unused, ...bots } = botSettings({ rounds: "1", ...values });
  return {
    levels,
    levelSeconds: numberFlag(values["level-seconds"], "level-seconds", 25, 2, 3600),
    warmupSeconds: numberFlag(values["warmup-seconds"], "warmup-seconds", 10, 0, 600),
    rampRate: numberFlag(values["ramp-rate"], "ramp-rate", 250, 1, 10_000),
    processes: Math.floor(numberFlag(values.processes, "processes", 1, 1, 8)),
    botWorkers: Math.floor(numberFlag(values["bot-workers"], "bot-workers", 1, 1, 16)),
    p99LimitMs: numberFlag(values["p99-limit-ms"], "p99-limit-ms", 250, 1, 60_000),
    maxErrorRate: numberFlag(values["max-error-rate"], "max-error-rate", 0.001, 0, 1),
    keepGoing: values["keep-going"] === true,
    profile: values.profile === true,
    maxMinutes: numberFlag(values["max-minutes"], "max-minutes", 20, 1, 240),
    bots,
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main() {
  const options = parse();
  if (!options) return console.log(HELP);

  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  // the same parser the server uses, so a bad MYSQL_URL / REDIS_URL fails here with the same message
  // the bench gives its own server processes PUBLIC_ADDRESS, so REDIS_URL alone is fine here
  const settings = loadSettings({ PUBLIC_ADDRESS: "127.0.0.1:{port}", ...process.env });
  const mysqlUrl = settings.mysqlUrl;
  let redisUrl: string | null = null;
  if (options.processes > 1) {
    if (!mysqlUrl) {
      throw new UsageError(
        `--processes ${options.processes} needs MYSQL_URL: join codes are shared between processes through MySQL.\n` +
          `  e.g. MYSQL_URL=mysql://root@127.0.0.1:3306/test npm run bench -- --processes ${options.processes}`,
      );
    }
    redisUrl = settings.redisUrl ?? DEFAULT_REDIS;
    await flushRedis(redisUrl);
    log(`flushed ${redisUrl}`);
  }

  const profileDir = path.resolve(RESULTS, "profiles", stamp);
  const nodeArgs = options.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const env: Record<string, string> = {};
  if (mysqlUrl) env.MYSQL_URL = mysqlUrl;
  if (redisUrl) Object.assign(env, { REDIS_URL: redisUrl, PUBLIC_ADDRESS: "127.0.0.1:{port}" });

  log(`starting ${options.processes} server process(es): node --import tsx src/index.ts, NODE_ENV=production, store ${mysqlUrl ? "MySQL" : "in-memory"}${redisUrl ? ", Redis " + redisUrl : ""}`);
  const servers: ServerProcess[] = [];
  for (let i = 0; i < options.processes; i++) servers.push(await startServer(env, nodeArgs));
  const bots: BotSettings = { ...options.bots, endpoints: servers.map((s) => s.ws) };
  log(`servers on ports ${servers.map((s) => s.port).join(", ")}; a short unrecorded warm-up (JIT, startup garbage)`);
  await warmUp(servers, bots);
  const baselineRss = await idleRss(servers);
  log(`idle RSS ${baselineRss.map((b) => (b / 1e6).toFixed(0)).join(" + ")} MB`);
  const levels: LevelResult[] = [];
  let stoppedBecause = "every level ran";
  try {
    for (const target of options.levels) {
      await quietMachine();
      const result = await runLevel(target, options, servers, bots, baselineRss);
      levels.push(result);
      console.log(`\n${table([result])}\n`);
      if (!result.ok && !options.keepGoing) {
        stoppedBecause = `stopped after ${target} players: ${result.verdict}`;
        break;
      }
    }
  } finally {
    log("stopping the server(s)");
    await Promise.all(servers.map((s) => s.stop()));
  }

  const record = {
    startedAt: stamp,
    mode: { processes: options.processes, store: mysqlUrl ? "mysql" : "memory", redis: redisUrl !== null, botWorkers: options.botWorkers },
    machine: machine(),
    settings: {
      levels: options.levels,
      levelSeconds: options.levelSeconds,
      warmupSeconds: options.warmupSeconds,
      rampRate: options.rampRate,
      p99LimitMs: options.p99LimitMs,
      maxErrorRate: options.maxErrorRate,
      bots: options.bots,
      serverEnv: { NODE_ENV: "production", ...(mysqlUrl ? { MYSQL_URL: redact(mysqlUrl) } : {}), ...(redisUrl ? { REDIS_URL: redisUrl, PUBLIC_ADDRESS: "127.0.0.1:{port}" } : {}) },
    },
    baselineRssMB: baselineRss.map((b) => Math.round(b / 1e5) / 10),
    levels,
    memorySlopeKBPerPlayer: rssSlope(levels),
    stoppedBecause,
    goals: goals(levels, rssSlope(levels)),
    scaling: null as ReturnType<typeof scaling> | null,
    profile: null as string | null,
  };

  if (options.profile) record.profile = await writeProfileSummary(profileDir, stamp);

  const mode = `${options.processes}p-${record.mode.store}`;
  mkdirSync(RESULTS, { recursive: true });
  const other = options.processes > 1 ? readRun(`${RESULTS}/latest-1p-${record.mode.store}.json`) : null;
  if (other) record.scaling = scaling({ processes: 1, levels: other.levels }, { processes: options.processes, levels });
  const json = JSON.stringify(record, null, 2) + "\n";
  writeFileSync(`${RESULTS}/${stamp}-${mode}.json`, json);
  writeFileSync(`${RESULTS}/latest-${mode}.json`, json);
  writeFileSync(`${RESULTS}/latest.json`, json);
  if (record.scaling) writeFileSync(`${RESULTS}/scaling.json`, JSON.stringify(record.scaling, null, 2) + "\n");

  writeChart(RESULTS);

  console.log(`\n${table(levels)}\n`);
  console.log(`${stoppedBecause}`);
  console.log(`goals: ${JSON.stringify(record.goals, null, 2)}`);
  if (record.scaling) console.log(`scaling against 1 process: ${JSON.stringify(record.scaling, null, 2)}`);
  if (record.profile) console.log(`\n${record.profile}`);
  console.log(`written: ${RESULTS}/${stamp}-${mode}.json, ${RESULTS}/latest.json, ${RESULTS}/latest.svg`);
}

async function runLevel(target: number, options: BenchOptions, servers: ServerProcess[], bots: BotSettings, baselineRss: number[]): Promise<LevelResult> {
  const workers = Array.from({ length: options.botWorkers }, (_, i) => new BotWorker(i));
  try {
    const shares = workers.map((_, i) => Math.floor(target / workers.length) + (i < target % workers.length ? 1 : 0));
    const rampSeconds = target / options.rampRate;
    log(`level ${target}: ${workers.length} bot process(es) join over ${rampSeconds.toFixed(0)} s`);
    workers.forEach((w, i) =>
      w.start(bots, { numClients: shares[i], delayMs: (1000 * workers.length) / options.rampRate, namePrefix: `w${i}n`, endpointOffset: i }),
    );

    // ramp-up: until (nearly) every bot sits in a room, within a bound
    const rampDeadline = performance.now() + rampSeconds * 1000 + 60_000;
    await sleep(rampSeconds * 1000);
    while (performance.now() < rampDeadline) {
      const seated = workers.reduce((n, w) => n + w.players, 0);
      if (seated >= target * 0.9) break;
      if (workers.some((w) => !w.alive)) throw new Error(`a bot worker died:\n${workers.map((w) => w.log()).join("\n")}`);
      await sleep(500);
    }
    await sleep(options.warmupSeconds * 1000);

    // the window
    // MySQL/MariaDB and Redis run on this machine too: their CPU is part of the cost of a player
    const storePids = pidsByName(["mariadbd", "mysqld", "redis-server"]);
    const pids = [...servers.map((s) => s.pid), ...workers.map((w) => w.pid), ...storePids];
    workers.forEach((w) => w.measure());
    const benchBefore = process.cpuUsage();
    const before = sampleCpu(pids);
    const probe = probeServers(servers, windowMs(options));
    const samples: Array<{ rooms: number; clients: number }> = [];
    const rssSamples: number[][] = [];
    const windowEnd = performance.now() + options.levelSeconds * 1000;
    while (performance.now() < windowEnd) {
      const each = await Promise.all(servers.map(health));
      if (each.every((h) => h !== null)) samples.push(each.reduce((a, h) => ({ rooms: a.rooms + h!.rooms, clients: a.clients + h!.clients }), { rooms: 0, clients: 0 }));
      rssSamples.push(servers.map((s) => rssBytes(s.pid) ?? 0));
      await sleep(Math.min(1000, Math.max(0, windowEnd - performance.now())));
    }
    const reports = await Promise.all(workers.map((w) => w.report()));
    const serverProbe = await probe;
    const after = sampleCpu(pids);
    const seconds = (after.at - before.at) / 1000;
    const benchUsage = process.cpuUsage(benchBefore);
    const benchCpu = (100 * (benchUsage.user + benchUsage.system)) / 1e6 / seconds;
    const serverCpu = cpuPercent(before, after, servers.map((s) => s.pid));
    const botCpu = cpuPercent(before, after, workers.map((w) => w.pid));
    const machineBusy = machineBusyPercent(before, after);
    // whatever else ran on the machine meanwhile (other builds, tests, browsers): it competes with the server and the bots
    const storeCpu = cpuPercent(before, after, storePids);
    const otherCpu = Math.max(0, machineBusy * os.cpus().length - serverCpu - botCpu - benchCpu - storeCpu);
    // RSS moves with every GC: the window's average per process
    const rss = servers.map((_, i) => rssSamples.reduce((a, r) => a + r[i], 0) / Math.max(1, rssSamples.length));

    const metrics = new Metrics();
    for (const r of reports) metrics.merge(r.metrics);
    const c = metrics.counters;
    const players = samples.length ? samples.reduce((n, s) => n + s.clients, 0) / samples.length : 0;
    const rooms = samples.length ? samples.reduce((n, s) => n + s.rooms, 0) / samples.length : 0;
    const rssTotal = rss.reduce((a, b) => a + b, 0);
    const baseline = baselineRss.reduce((a, b) => a + b, 0);
    const latency = metrics.summaries();
    const errorRate = (c.errors + c.dropped) / Math.max(1, c.actions + c.joins);
    const stateP99 = latency.stateAllMembers.p99;
    const problems: string[] = [];
    if (errorRate > options.maxErrorRate) problems.push(`errors+dropped ${c.errors + c.dropped} (${(errorRate * 100).toFixed(2)}% of actions and joins)`);
    if (stateP99 === null) problems.push("no action completed");
    else if (stateP99 > options.p99LimitMs) problems.push(`state p99 ${stateP99.toFixed(0)} ms > ${options.p99LimitMs} ms`);
    if (players < target * 0.8) problems.push(`only ${Math.round(players)} of ${target} players connected`);
    if (otherCpu > 25) log(`level ${target}: other processes used ${otherCpu.toFixed(0)}% of a core during the window: the numbers are pessimistic`);

    return {
      target,
      players: Math.round(players),
      playersMax: Math.max(0, ...samples.map((s) => s.clients)),
      rooms: Math.round(rooms),
      seconds: Math.round(seconds * 10) / 10,
      actionsPerSecond: Math.round((c.actions / seconds) * 10) / 10,
      joinsPerSecond: Math.round((c.joins / seconds) * 10) / 10,
      latency,
      serverCpuPercent: Math.round(serverCpu * 10) / 10,
      serverCpuPercentEach: servers.map((s) => Math.round(cpuPercent(before, after, [s.pid]) * 10) / 10),
      serverRssMB: Math.round(rssTotal / 1e5) / 10,
      serverRssMBEach: rss.map((r) => Math.round(r / 1e5) / 10),
      rssPerPlayerKB: players > 0 ? Math.round(((rssTotal - baseline) / 1024 / players) * 10) / 10 : 0,
      botCpuPercent: Math.round(botCpu * 10) / 10,
      botWorkers: workers.length,
      botLoopDelayMs: {
        p99: Math.max(...reports.map((r) => round2(r.loopDelay.p99))),
        max: Math.max(...reports.map((r) => round2(r.loopDelay.max))),
      },
      serverProbeMs: serverProbe,
      machineBusyPercent: Math.round(machineBusy * 10) / 10,
      benchCpuPercent: Math.round(benchCpu * 10) / 10,
      storeCpuPercent: Math.round(storeCpu * 10) / 10,
      otherCpuPercent: Math.round(otherCpu * 10) / 10,
      actions: c.actions,
      errors: c.errors,
      errorRate: Math.round(errorRate * 1e5) / 1e5,
      errorKinds: metrics.errorKinds,
      errorSamples: metrics.errorSamples,
      dropped: c.dropped,
      races: c.races,
      stateUnmeasured: c.stateUnmeasured,
      gamesFinished: c.gamesFinished,
      ok: problems.length === 0,
      verdict: problems.length ? problems.join("; ") : "ok",
    };
  } finally {
    log(`level ${target}: bots leave`);
    await Promise.all(workers.map((w) => w.stop()));
    await drain(servers);
  }
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * The machine may be shared (builds, test suites, browsers): before a level, wait (at most 90 s)
 * for two quiet seconds in a row, under 15% of the machine busy, so levels start on an idle box.
 */
async function quietMachine() {
  const deadline = performance.now() + 90_000;
  let quiet = 0;
  let waited = false;
  while (performance.now() < deadline && quiet < 2) {
    const a = sampleCpu([]);
    await sleep(1000);
    const busy = machineBusyPercent(a, sampleCpu([]));
    quiet = busy < 15 ? quiet + 1 : 0;
    if (quiet === 0 && !waited) {
      waited = true;
      log(`the machine is busy (${busy.toFixed(0)}% of all cores) with other work: waiting up to 90 s for it to calm down`);
    }
  }
}
const windowMs = (options: BenchOptions) => options.levelSeconds * 1000;

/**
 * GET /board on every server 10 times a second through the window: a static answer, so its time is
 * the server's responsiveness (event-loop stalls show up here, whatever the bots do).
 */
async function probeServers(servers: ServerProcess[], ms: number) {
  const times: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await Promise.all(
      servers.map(async (s) => {
        const t0 = performance.now();
        try {
          await (await fetch(`${s.http}/board`, { signal: AbortSignal.timeout(5000) })).arrayBuffer();
          times.push(performance.now() - t0);
        } catch {
          times.push(5000);
        }
      }),
    );
    await sleep(100);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => round2(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0);
  return { count: times.length, p50: at(0.5), p99: at(0.99), max: round2(times[times.length - 1] ?? 0) };
}

/** A few rooms played for a few seconds before anything is recorded: compiles the hot paths and settles the heap. */
async function warmUp(servers: ServerProcess[], bots: BotSettings) {
  const worker = new BotWorker(0);
  try {
    worker.start(bots, { numClients: 50, delayMs: 20, namePrefix: "warm" });
    await sleep(8000);
  } finally {
    await worker.stop();
    await drain(servers);
  }
}

/** RSS of each idle server: the lowest of a few samples a quarter second apart. */
async function idleRss(servers: ServerProcess[]): Promise<number[]> {
  const lows = servers.map(() => Infinity);
  for (let i = 0; i < 8; i++) {
    servers.forEach((s, j) => (lows[j] = Math.min(lows[j], rssBytes(s.pid) ?? Infinity)));
    await sleep(250);
  }
  return lows.map((v) => (Number.isFinite(v) ? v : 0));
}

/** KB of server RSS per added player: least-squares slope of RSS over players across the levels. */
function rssSlope(levels: LevelResult[]): number | null {
  if (levels.length < 2) return null;
  const n = levels.length;
  const mx = levels.reduce((a, l) => a + l.players, 0) / n;
  const my = levels.reduce((a, l) => a + l.serverRssMB, 0) / n;
  const sxy = levels.reduce((a, l) => a + (l.players - mx) * (l.serverRssMB - my), 0);
  const sxx = levels.reduce((a, l) => a + (l.players - mx) ** 2, 0);
  return sxx > 0 ? Math.round(((sxy / sxx) * 1e6) / 1024 * 10) / 10 : null;
}

/** Waits (bounded) until the servers hold no rooms, so each level starts from an empty server. */
async function drain(servers: ServerProcess[]) {
  const deadline = performance.now() + 45_000;
  while (performance.now() < deadline) {
    const each = await Promise.all(servers.map(health));
    if (each.every((h) => h !== null && h.rooms === 0 && h.clients === 0)) return;
    await sleep(500);
  }
  log("the servers still hold rooms after 45 s; going on");
}

async function flushRedis(url: string) {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await client.connect();
    await client.flushdb();
  } catch (e) {
    throw new UsageError(`cannot reach Redis at ${url} (${(e as Error).message}); set REDIS_URL`);
  } finally {
    client.disconnect();
  }
}

async function writeProfileSummary(dir: string, stamp: string): Promise<string | null> {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  if (!files.length) return null;
  const text = files.map((f) => `### ${f}\n\n${summariseProfile(JSON.parse(readFileSync(path.join(dir, f), "utf8")))}`).join("\n\n");
  writeFileSync(`${RESULTS}/profile-${stamp}.md`, text + "\n");
  writeFileSync(`${RESULTS}/profile-latest.md`, text + "\n");
  return text;
}

function readRun(file: string): { levels: LevelResult[]; mode: { processes: number; store: string }; machine: { cores: number } } | null {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

function redact(url: string) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

// Children never outlive the bench: on success, errors, SIGINT/SIGTERM and the hard time limit.
function killEverything() {
  killAllWorkers();
  killAllServers();
}
process.on("exit", killEverything);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    log(`${signal}: killing the bots and the server(s)`);
    killEverything();
    process.exit(130);
  });
}

const options = (() => {
  try {
    return parse();
  } catch {
    return null;
  }
})();
const hardLimit = setTimeout(() => {
  log(`the run passed --max-minutes ${options?.maxMinutes ?? 20}: killing everything`);
  killEverything();
  process.exit(3);
}, (options?.maxMinutes ?? 20) * 60_000);
hardLimit.unref();

try {
  await main();
  process.exit(0);
} catch (e) {
  killEverything();
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    console.error(`${(e as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(e);
  process.exit(1);
}

