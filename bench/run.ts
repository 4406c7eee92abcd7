/**
 * `npm run bench`: starts the server (production start, separate process; N of them sharing Redis
 * and MySQL with --processes N), then drives bot worker processes through increasing levels of
 * concurrent players, a fixed window each, until errors appear or p99 passes the limit. Records
 * latencies (from the bots' clocks), the server's and the bots' CPU and the server's RSS (from
 * /proc), writes bench/results/*.json and an SVG chart, and prints a table.
 *
 * With --compare it runs our server and hand-written peers (bench/peers/) one after the other
 * through one light driver (compare.ts, driver.ts).
 *
 * With --memory it measures where the server's memory per player goes (memory.ts).
 *
 * With --compare-stores each level runs against an in-memory-store server and then a MySQL-store
 * server (the cost of durability, side by side); with --restart-at S the MySQL server is stopped
 * with SIGTERM S seconds into the window and started again on its port (see restart.ts).
 */
import { ConfigError, loadSettings } from "../src/config.ts";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import mysql from "mysql2/promise";
import type { BotSettings } from "../loadtest/bot.ts";
import { BOT_FLAGS, BOT_FLAGS_HELP, UsageError, botSettings, numberFlag } from "../loadtest/args.ts";
import { Metrics } from "../loadtest/metrics.ts";
import { writeChart } from "./chart.ts";
import { summariseProfile } from "./profile.ts";
import { PEERS, killAllDrivers, rssSlope, runCompare, type PeerName } from "./compare.ts";
import { runMemoryCli } from "./memory.ts";
import { DURABILITY_GOALS, compareStores, comparisonTable, goals, restartTable, scaling, table, type LevelResult } from "./report.ts";
import { restartResult, restartServer } from "./restart.ts";
import { health, killAllServers, startServer, writeServerLogs, type ServerProcess } from "./servers.ts";
import { cpuPercent, machine, machineBusyPercent, pidsByName, quietMachine, rssBytes, sampleCpu, type CpuSample } from "./system.ts";
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
  --compare-stores       each level against an in-memory-store server, then a MySQL-store one (MYSQL_URL)
  --restart-at S         S seconds into each level's window: SIGTERM the server, start it again on its port,
                         measure until every player is back in a seat (MYSQL_URL, 1 process)
  --compare              our server (in-memory store), then hand-written peers (bench/peers/), one after the
                         other, through one light driver: rooms of 5, each member acts in turn after --think-ms,
                         ack and all-members latency, server CPU and CPU per action, RSS, the driver's CPU;
                         server on CPU 0 and driver on CPU 1 with taskset when it exists (default levels 500,2000,5000;
                         uses --levels, --level-seconds, --warmup-seconds, --ramp-rate, --think-ms, --timeout-ms, --profile)
  --peers a,b            with --compare: the servers to run after ours, from ours-mysql,ours-spectators,socketio,ws
                         (ours-mysql: ours with the MySQL store, in a scratch database on the MYSQL_URL server;
                         ours-spectators: ours with rooms of 2 players + 3 spectators instead of 5 players, the same
                         connections and moves per room, and a table of what a spectator costs against a player;
                         default: ours-mysql,socketio,ws with MYSQL_URL set, else socketio,ws)
  --quiet-wait-seconds S with --compare: before each level, wait at most S s for a quiet machine, and run a level
                         again (twice at most) when other work used over 10% of a core in its window (default 90;
                         0: neither)
  --results-dir DIR      with --compare: write the JSON there instead of bench/results (the spec's scratch directory)
  --memory               where the server's memory per player goes: two levels, a fresh server each, RSS, smaps,
                         V8 heap spaces and a heap snapshot per level (its own flags: npm run bench -- --memory --help)
${BOT_FLAGS_HELP.split("\n").filter((l) => !l.includes("--endpoint")).join("\n").replace(/\(default 2\)/, "(default 1 in the bench)")}
  --help

Environment: MYSQL_URL (the server's store; required for --processes > 1),
REDIS_URL (for --processes > 1; default redis://127.0.0.1:6379/14, flushed first),
AUTH_JWT_SECRET (with --auth: the servers require player tokens signed with it, the bots sign their own;
without --auth the servers run with player tokens off whatever the environment says).`;

const RESULTS = "bench/results";
const DEFAULT_LEVELS = [250, 500, 1000, 2000, 3000, 5000];
const COMPARE_LEVELS = [500, 2000, 5000];
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
  compareStores: boolean;
  restartAt: number | null;
  compare: boolean;
  peers: PeerName[];
  /** --peers was given (else: every peer, ours-mysql only with MYSQL_URL) */
  peersGiven: boolean;
  quietWaitSeconds: number;
  resultsDir: string | null;
  bots: Omit<BotSettings, "endpoints">;
}

/**
 * The servers' player-token settings: with --auth the bots' secret (and audience), else off, so
 * that a secret in the bench's own environment does not lock bots without tokens out.
 */
function authEnv(bots: Pick<BotSettings, "auth">): Record<string, string> {
  if (!bots.auth) return { AUTH_JWT_SECRET: "", AUTH_JWKS_FILE: "", AUTH_GUESTS: "" };
  return { AUTH_JWT_SECRET: bots.auth.secret, AUTH_AUDIENCE: bots.auth.audience ?? "", AUTH_JWKS_FILE: "" };
}

/** A refusal of the flags as given: one line, no help text. */
class Refusal extends Error {}

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
      "compare-stores": { type: "boolean" },
      "restart-at": { type: "string" },
      compare: { type: "boolean" },
      peers: { type: "string" },
      "quiet-wait-seconds": { type: "string" },
      "results-dir": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return null;
  if (values.endpoint) throw new UsageError("--endpoint is not a bench flag: the bench starts its own server(s)");
  const compare = values.compare === true;
  const levels = values.levels ? values.levels.split(",").map((v) => Math.floor(numberFlag(v.trim(), "levels", 0, 2, 20_000))) : compare ? COMPARE_LEVELS : DEFAULT_LEVELS;
  const peers = (values.peers ?? PEERS.join(",")).split(",").map((p) => p.trim()).filter(Boolean);
  for (const p of peers) if (!(PEERS as readonly string[]).includes(p)) throw new UsageError(`--peers takes ${PEERS.join(",")} (got "${p}")`);
  if ((values.peers !== undefined || values["results-dir"] !== undefined) && !compare) throw new UsageError("--peers and --results-dir go with --compare");
  // games of 1-2 rounds (about 15-30 s with the default think time): rooms cycle within a level's window, so joins are measured in steady state
  const { endpoints: _unused, ...bots } = botSettings({ rounds: "1", ...values });
  const levelSeconds = numberFlag(values["level-seconds"], "level-seconds", 25, 2, 3600);
  const restartAt = values["restart-at"] === undefined ? null : numberFlag(values["restart-at"], "restart-at", 0, 0, levelSeconds - 1);
  return {
    levels,
    levelSeconds,
    warmupSeconds: numberFlag(values["warmup-seconds"], "warmup-seconds", 10, 0, 600),
    rampRate: numberFlag(values["ramp-rate"], "ramp-rate", 250, 1, 10_000),
    processes: Math.floor(numberFlag(values.processes, "processes", 1, 1, 8)),
    botWorkers: Math.floor(numberFlag(values["bot-workers"], "bot-workers", 1, 1, 16)),
    p99LimitMs: numberFlag(values["p99-limit-ms"], "p99-limit-ms", 250, 1, 60_000),
    maxErrorRate: numberFlag(values["max-error-rate"], "max-error-rate", 0.001, 0, 1),
    keepGoing: values["keep-going"] === true,
    profile: values.profile === true,
    maxMinutes: numberFlag(values["max-minutes"], "max-minutes", 20, 1, 240),
    compareStores: values["compare-stores"] === true,
    restartAt,
    compare,
    peers: [...new Set(peers)] as PeerName[],
    peersGiven: values.peers !== undefined,
    quietWaitSeconds: numberFlag(values["quiet-wait-seconds"], "quiet-wait-seconds", 90, 0, 600),
    resultsDir: values["results-dir"] ?? null,
    bots,
  };
}

/** One series of levels against one set of servers: a store, and whether the window has a restart. */
interface Pass {
  label: "memory" | "mysql" | "mysql-restart";
  store: "memory" | "mysql";
  restart: boolean;
  servers: ServerProcess[];
  baselineRss: number[];
  levels: LevelResult[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main() {
  // --memory is its own mode with its own flags (bench/memory.ts): where the memory per player goes
  if (process.argv.includes("--memory")) return runMemoryCli(process.argv.slice(2).filter((a) => a !== "--memory"));
  const options = parse();
  if (!options) return console.log(HELP);

  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  if (options.compare) {
    if (options.compareStores || options.restartAt !== null || options.processes > 1 || options.botWorkers > 1 || options.bots.auth) {
      throw new Refusal("--compare runs one process of each server (in-memory store, no player tokens) against its own driver: not with --compare-stores, --restart-at, --processes, --bot-workers or --auth.");
    }
    const { levels, levelSeconds, warmupSeconds, rampRate, profile, quietWaitSeconds } = options;
    const { mysqlUrl: givenUrl } = loadSettings({ PUBLIC_ADDRESS: "127.0.0.1:{port}", ...process.env });
    // ours with the MySQL store too, when MYSQL_URL is set and --peers does not say otherwise; ours-spectators only when named
    const peers = options.peersGiven ? options.peers : PEERS.filter((p) => p !== "ours-spectators" && (p !== "ours-mysql" || givenUrl));
    if (peers.includes("ours-mysql") && !givenUrl) throw new Refusal("--peers ours-mysql needs MYSQL_URL (e.g. MYSQL_URL=mysql://root@127.0.0.1:3306/boardroom_bench): the bench creates a scratch database on that server.");
    const scratch = peers.includes("ours-mysql") ? await scratchDatabase(givenUrl!, stamp) : null;
    if (scratch) log(`ours-mysql: a fresh database ${scratch.name} on the MYSQL_URL server for this run (dropped at the end)`);
    try {
      await runCompare({ levels, levelSeconds, warmupSeconds, rampRate, thinkMs: options.bots.thinkMs, timeoutMs: options.bots.timeoutMs, peers, mysqlUrl: scratch?.url ?? null, profile, quietWaitSeconds, resultsDir: options.resultsDir ?? RESULTS }, stamp, sourceVersion());
    } finally {
      await scratch?.drop();
    }
    return;
  }
  // the same parser the server uses, so a bad MYSQL_URL / REDIS_URL fails here with the same message
  // the bench gives its own server processes PUBLIC_ADDRESS, so REDIS_URL alone is fine here
  const settings = loadSettings({ PUBLIC_ADDRESS: "127.0.0.1:{port}", ...process.env });
  const givenMysqlUrl = settings.mysqlUrl;
  const mysqlUrl = givenMysqlUrl;
  if (options.restartAt !== null && !mysqlUrl) throw new Refusal("--restart-at needs MYSQL_URL: only the MySQL store keeps games across a restart (e.g. MYSQL_URL=mysql://root@127.0.0.1:3306/boardroom_bench).");
  if (options.restartAt !== null && options.processes > 1) throw new Refusal("--restart-at restarts the one server process: use it with --processes 1.");
  if (options.compareStores && !mysqlUrl) throw new Refusal("--compare-stores needs MYSQL_URL: it runs each level against an in-memory-store server and a MySQL-store one.");
  if (options.compareStores && options.processes > 1) throw new Refusal("--compare-stores compares one process per store: use it with --processes 1.");
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

  // games outlive their process: a database that earlier runs used holds their open games, which
  // this run's server would restore (and dispose of, all at once) in the middle of the levels
  running.logs = path.resolve(RESULTS, "logs", stamp);
  const scratch = givenMysqlUrl ? await scratchDatabase(givenMysqlUrl, stamp) : null;
  if (scratch) log(`store: a fresh database ${scratch.name} on the MYSQL_URL server for this run (dropped at the end)`);
  const profileDir = path.resolve(RESULTS, "profiles", stamp);
  const nodeArgs = options.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const envFor = (store: "memory" | "mysql"): Record<string, string> => {
    // an empty MYSQL_URL is unset for the server (the bench's own environment may carry one)
    // every bot comes from 127.0.0.1: the failed join-code look-ups of thousands of players (a restart
    // makes some) would otherwise lock them all out of private rooms, as no real address would be
    const env: Record<string, string> = { MYSQL_URL: store === "mysql" ? scratch!.url : "", CODE_LOOKUP_LIMIT: process.env.CODE_LOOKUP_LIMIT ?? "10000", ...authEnv(options.bots) };
    if (redisUrl) Object.assign(env, { REDIS_URL: redisUrl, PUBLIC_ADDRESS: "127.0.0.1:{port}" });
    return env;
  };
  let passes: Pass[] = [];
  let stoppedBecause = "every level ran";
  try {
    passes = await startPasses(options, mysqlUrl ? "mysql" : "memory", envFor, nodeArgs, redisUrl);
    for (const [i, target] of options.levels.entries()) {
      for (const pass of passes) {
        await quietMachine(90, log);
        const bots: BotSettings = { ...options.bots, endpoints: pass.servers.map((s) => s.ws) };
        const result = await runLevel(target, options, pass, bots);
        pass.levels.push(result);
        console.log(`\n${passes.length > 1 ? `${pass.label}:\n` : ""}${table([result])}\n`);
        if (result.restart) console.log(`${restartTable([result])}\n`);
        // a restarted server is a cold process: warm it before its next level
        if (pass.restart && i < options.levels.length - 1) await warmUp(pass.servers, bots);
      }
      // a level with a restart is its own experiment: its errors and tail do not stop the run
      const failed = passes.filter((p) => !p.restart).map((p) => p.levels[p.levels.length - 1]).find((l) => !l.ok);
      if (failed && !options.keepGoing) {
        stoppedBecause = `stopped after ${target} players: ${failed.verdict}`;
        break;
      }
    }
  } finally {
    log("stopping the server(s)");
    const all = new Set(passes.flatMap((p) => p.servers));
    await Promise.all([...all].map((s) => s.stop()));
    await scratch?.drop();
  }

  const common = {
    startedAt: stamp,
    machine: machine(),
    source: sourceVersion(),
    settings: {
      levels: options.levels,
      levelSeconds: options.levelSeconds,
      warmupSeconds: options.warmupSeconds,
      rampRate: options.rampRate,
      p99LimitMs: options.p99LimitMs,
      maxErrorRate: options.maxErrorRate,
      restartAt: options.restartAt,
      // the secret is not written to the results
      bots: { ...options.bots, auth: options.bots.auth ? { secret: "(set)", audience: options.bots.auth.audience } : null },
      serverEnv: { NODE_ENV: "production", CODE_LOOKUP_LIMIT: process.env.CODE_LOOKUP_LIMIT ?? "10000", ...(options.bots.auth ? { AUTH_JWT_SECRET: "(set)" } : {}), ...(scratch ? { MYSQL_URL: redact(scratch.url), scratchDatabaseOf: redact(givenMysqlUrl!) } : {}), ...(redisUrl ? { REDIS_URL: redisUrl, PUBLIC_ADDRESS: "127.0.0.1:{port}" } : {}) },
    },
  };
  const profile = options.profile ? await writeProfileSummary(profileDir, stamp) : null;
  mkdirSync(RESULTS, { recursive: true });

  if (options.compareStores) {
    const [memory, mysql] = passes;
    const comparison = compareStores(memory.levels, mysql.levels);
    const restarts = passes.find((p) => p.restart)?.levels ?? [];
    const record = {
      ...common,
      mode: { processes: 1, compareStores: true, restartAt: options.restartAt, botWorkers: options.botWorkers },
      runs: passes.map((p) => ({ label: p.label, store: p.store, restart: p.restart, baselineRssMB: p.baselineRss.map((b) => Math.round(b / 1e5) / 10), levels: p.levels })),
      comparison,
      durabilityGoals: durabilityVerdict(comparison, restarts),
      stoppedBecause,
      profile,
    };
    const json = `${JSON.stringify(record, null, 2)}\n`;
    writeFileSync(`${RESULTS}/${stamp}-1p-compare.json`, json);
    writeFileSync(`${RESULTS}/latest-compare-1p.json`, json);
    writeFileSync(`${RESULTS}/latest.json`, json);
    for (const p of passes) console.log(`\n${p.label}:\n${table(p.levels)}`);
    console.log(`\nin-memory vs MySQL store:\n${comparisonTable(comparison)}\n`);
    if (restarts.length) console.log(`restarts (MySQL):\n${restartTable(restarts)}\n`);
    console.log(stoppedBecause);
    console.log(`durability goals: ${JSON.stringify(record.durabilityGoals, null, 2)}`);
    if (profile) console.log(`\n${profile}`);
    console.log(`server logs: ${running.logs}`);
    console.log(`written: ${RESULTS}/${stamp}-1p-compare.json, ${RESULTS}/latest-compare-1p.json, ${RESULTS}/latest.json`);
    return;
  }

  const [pass] = passes;
  const levels = pass.levels;
  const record = {
    ...common,
    mode: { processes: options.processes, store: pass.store, redis: redisUrl !== null, botWorkers: options.botWorkers, restartAt: options.restartAt },
    baselineRssMB: pass.baselineRss.map((b) => Math.round(b / 1e5) / 10),
    levels,
    memorySlopeKBPerPlayer: rssSlope(levels),
    stoppedBecause,
    goals: goals(levels, rssSlope(levels)),
    durabilityGoals: pass.restart ? durabilityVerdict([], levels) : null,
    scaling: null as ReturnType<typeof scaling> | null,
    profile,
  };

  // a run with restarts is not the steady state the main tables and the chart show: its own files
  const mode = `${options.processes}p-${pass.store}${pass.restart ? "-restart" : ""}`;
  const other = options.processes > 1 ? readRun(`${RESULTS}/latest-1p-${pass.store}.json`) : null;
  if (other) record.scaling = scaling({ processes: 1, levels: other.levels }, { processes: options.processes, levels });
  const json = `${JSON.stringify(record, null, 2)}\n`;
  writeFileSync(`${RESULTS}/${stamp}-${mode}.json`, json);
  writeFileSync(`${RESULTS}/latest-${mode}.json`, json);
  writeFileSync(`${RESULTS}/latest.json`, json);
  if (record.scaling) writeFileSync(`${RESULTS}/scaling.json`, `${JSON.stringify(record.scaling, null, 2)}\n`);

  writeChart(RESULTS);

  console.log(`\n${table(levels)}\n`);
  if (pass.restart) console.log(`${restartTable(levels)}\n`);
  console.log(`${stoppedBecause}`);
  console.log(`goals: ${JSON.stringify(record.goals, null, 2)}`);
  if (record.durabilityGoals) console.log(`durability goals: ${JSON.stringify(record.durabilityGoals, null, 2)}`);
  if (record.scaling) console.log(`scaling against 1 process: ${JSON.stringify(record.scaling, null, 2)}`);
  if (record.profile) console.log(`\n${record.profile}`);
  console.log(`server logs: ${running.logs}`);
  console.log(`written: ${RESULTS}/${stamp}-${mode}.json, ${RESULTS}/latest.json, ${RESULTS}/latest.svg`);
}

/**
 * The server sets the levels run against, each started and warmed up: one (the store MYSQL_URL
 * says, restarted in each window with --restart-at), or with --compare-stores an in-memory one and
 * a MySQL one (and, with --restart-at, a third pass on the MySQL servers with the restart).
 */
async function startPasses(options: BenchOptions, defaultStore: "memory" | "mysql", envFor: (store: "memory" | "mysql") => Record<string, string>, nodeArgs: string[], redisUrl: string | null): Promise<Pass[]> {
  const stores: Array<"memory" | "mysql"> = options.compareStores ? ["memory", "mysql"] : [defaultStore];
  const passes: Pass[] = [];
  for (const store of stores) {
    log(`starting ${options.processes} server process(es): node --import tsx src/index.ts, NODE_ENV=production, store ${store === "mysql" ? "MySQL" : "in-memory"}${redisUrl ? `, Redis ${redisUrl}` : ""}`);
    const servers: ServerProcess[] = [];
    for (let i = 0; i < options.processes; i++) servers.push(await startServer(envFor(store), nodeArgs));
    log(`servers on ports ${servers.map((s) => s.port).join(", ")}; a short unrecorded warm-up (JIT, startup garbage)`);
    await warmUp(servers, { ...options.bots, endpoints: servers.map((s) => s.ws) });
    const baselineRss = await idleRss(servers);
    log(`idle RSS ${baselineRss.map((b) => (b / 1e6).toFixed(0)).join(" + ")} MB`);
    const restart = options.restartAt !== null && !options.compareStores;
    passes.push({ label: restart ? "mysql-restart" : store, store, restart, servers, baselineRss, levels: [] });
  }
  if (options.compareStores && options.restartAt !== null) {
    const mysql = passes[1];
    passes.push({ ...mysql, label: "mysql-restart", restart: true, levels: [] });
  }
  return passes;
}

/** The durability goals: MySQL's ack p99 within 10 ms of in-memory at 2,000 players; after a restart at 2,000 players or fewer, everyone back in a seat within 5 s. */
function durabilityVerdict(comparison: ReturnType<typeof compareStores>, restarts: LevelResult[]) {
  const at = comparison.filter((c) => c.target === DURABILITY_GOALS.ackP99AtPlayers)[0] ?? null;
  const small = restarts.filter((l) => l.restart && l.target <= DURABILITY_GOALS.ackP99AtPlayers);
  return {
    ackP99: at
      ? { goalDeltaMs: DURABILITY_GOALS.ackP99DeltaMs, atPlayers: at.target, memoryMs: at.ackP99Ms[0], mysqlMs: at.ackP99Ms[1], deltaMs: at.ackP99DeltaMs, met: at.withinAckGoal }
      : null,
    restart: small.length
      ? {
          goalMs: DURABILITY_GOALS.restartAllBackMs,
          levels: small.map((l) => ({ target: l.target, players: l.players, allBackMs: l.restart!.allBackMs, acksLost: l.restart!.acksLost, rejoinFailed: l.restart!.rejoinFailed })),
          met: small.every((l) => l.restart!.allBackMs !== null && l.restart!.allBackMs <= DURABILITY_GOALS.restartAllBackMs && l.restart!.acksLost === 0),
        }
      : null,
  };
}

async function runLevel(target: number, options: BenchOptions, pass: Pass, bots: BotSettings): Promise<LevelResult> {
  // the array, not a copy: a restart puts the new process in it
  const { servers, baselineRss } = pass;
  const workers = Array.from({ length: options.botWorkers }, (_, i) => new BotWorker(i));
  try {
    const shares = workers.map((_, i) => Math.floor(target / workers.length) + (i < target % workers.length ? 1 : 0));
    const rampSeconds = target / options.rampRate;
    log(`level ${target}: ${workers.length} bot process(es) join over ${rampSeconds.toFixed(0)} s`);
    for (const [i, w] of workers.entries()) {
      w.start(bots, { numClients: shares[i], delayMs: (1000 * workers.length) / options.rampRate, namePrefix: `w${i}n`, endpointOffset: i });
    }

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
    const mariadbPids = pidsByName(["mariadbd", "mysqld"]);
    const serverPidsBefore = servers.map((s) => s.pid);
    const pids = [...serverPidsBefore, ...workers.map((w) => w.pid), ...storePids];
    for (const w of workers) w.measure();
    const benchBefore = process.cpuUsage();
    const before = sampleCpu(pids);
    const probe = probeServers(servers, windowMs(options));
    const restarting =
      pass.restart && options.restartAt !== null
        ? sleep(options.restartAt * 1000).then(() => {
            log(`level ${target}: SIGTERM to the server ${options.restartAt} s into the window, then a start on port ${servers[0].port}`);
            return restartServer(servers, 0, workers, options.restartAt!, bots.retryForMs + 5000);
          })
        : null;
    const samples: Array<{ rooms: number; clients: number }> = [];
    const rssSamples: number[][] = [];
    const windowEnd = performance.now() + options.levelSeconds * 1000;
    while (performance.now() < windowEnd) {
      const each = await Promise.all(servers.map(health));
      if (each.every((h) => h !== null)) samples.push(each.reduce((a, h) => ({ rooms: a.rooms + h!.rooms, clients: a.clients + h!.clients }), { rooms: 0, clients: 0 }));
      const rssNow = servers.map((s) => rssBytes(s.pid));
      if (rssNow.every((r) => r !== null)) rssSamples.push(rssNow as number[]);
      await sleep(Math.min(1000, Math.max(0, windowEnd - performance.now())));
    }
    // the window ends when the restart's wait for the seats has too
    const restarted = restarting ? await restarting : null;
    const reports = await Promise.all(workers.map((w) => w.report()));
    const serverProbe = await probe;
    const after = sampleCpu([...pids, ...servers.map((s) => s.pid)]);
    const seconds = (after.at - before.at) / 1000;
    const benchUsage = process.cpuUsage(benchBefore);
    const benchCpu = (100 * (benchUsage.user + benchUsage.system)) / 1e6 / seconds;
    const serverCpuEach = servers.map((s, i) => serverCpuPercent(before, after, serverPidsBefore[i], s.pid, restarted?.partial.cpu ?? null));
    const serverCpu = serverCpuEach.reduce((a, b) => a + b, 0);
    const botCpu = cpuPercent(before, after, workers.map((w) => w.pid));
    const machineBusy = machineBusyPercent(before, after);
    // whatever else ran on the machine meanwhile (other builds, tests, browsers): it competes with the server and the bots
    const storeCpu = cpuPercent(before, after, storePids);
    const mariadbCpu = cpuPercent(before, after, mariadbPids);
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
    const restart = restarted ? restartResult(restarted.partial, metrics) : null;

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
      serverCpuPercentEach: serverCpuEach.map((v) => Math.round(v * 10) / 10),
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
      mariadbCpuPercent: Math.round(mariadbCpu * 10) / 10,
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
      store: pass.store,
      restart,
    };
  } finally {
    log(`level ${target}: bots leave`);
    await Promise.all(workers.map((w) => w.stop()));
    // a restored room waits for its players (RESTORE_WAIT_SECONDS) before it may go, even once they have come and left
    await drain(servers, pass.restart ? Math.max(45, restoreWaitSeconds() + 15) : 45);
  }
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/**
 * One server's CPU in the window, in % of one core: across a restart, the old process until its exit
 * plus the new one from its start (its start, migrations and restore are part of the cost).
 */
function serverCpuPercent(before: CpuSample, after: CpuSample, pidBefore: number, pidAfter: number, restart: { oldPid: number; newPid: number; oldSecondsAtExit: number | null } | null): number {
  if (pidBefore === pidAfter || !restart) return cpuPercent(before, after, [pidAfter]);
  const wall = (after.at - before.at) / 1000;
  const old = (restart.oldSecondsAtExit ?? before.seconds.get(pidBefore) ?? 0) - (before.seconds.get(pidBefore) ?? 0);
  const fresh = after.seconds.get(pidAfter) ?? 0;
  return wall > 0 ? (100 * (old + fresh)) / wall : 0;
}

const windowMs = (options: BenchOptions) => options.levelSeconds * 1000;

/**
 * GET /board on every server 10 times a second through the window: a static answer, so its time is
 * the server's responsiveness (event-loop stalls show up here, whatever the bots do).
 */
async function probeServers(servers: ServerProcess[], ms: number) {
  const times: number[] = [];
  let failed = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await Promise.all(
      servers.map(async (s) => {
        const t0 = performance.now();
        try {
          await (await fetch(`${s.http}/board`, { signal: AbortSignal.timeout(5000) })).arrayBuffer();
          times.push(performance.now() - t0);
        } catch {
          // no answer (a restart, or a stall past 5 s): counted apart, not as a time
          failed++;
        }
      }),
    );
    await sleep(100);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => round2(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0);
  return { count: times.length, p50: at(0.5), p99: at(0.99), max: round2(times[times.length - 1] ?? 0), failed };
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
    for (const [j, s] of servers.entries()) lows[j] = Math.min(lows[j], rssBytes(s.pid) ?? Infinity);
    await sleep(250);
  }
  return lows.map((v) => (Number.isFinite(v) ? v : 0));
}


/** How long the server keeps a restored room for its players, as the server reads it from the same environment. */
function restoreWaitSeconds(): number {
  const settings = loadSettings({ PUBLIC_ADDRESS: "127.0.0.1:{port}", ...process.env }) as { restoreWaitSeconds?: number; reconnectSeconds: number };
  return settings.restoreWaitSeconds ?? settings.reconnectSeconds;
}

/** Waits (bounded) until the servers hold no rooms, so each level starts from an empty server. */
async function drain(servers: ServerProcess[], seconds = 45) {
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const each = await Promise.all(servers.map(health));
    if (each.every((h) => h !== null && h.rooms === 0 && h.clients === 0)) return;
    await sleep(500);
  }
  log(`the servers still hold rooms after ${seconds} s; going on`);
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
  writeFileSync(`${RESULTS}/profile-${stamp}.md`, `${text}\n`);
  writeFileSync(`${RESULTS}/profile-latest.md`, `${text}\n`);
  return text;
}

function readRun(file: string): { levels: LevelResult[]; mode: { processes: number; store: string }; machine: { cores: number } } | null {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

/**
 * A new, empty database on the server of `url`, named after its database and the run, and its URL.
 * The bench's servers use it, so no game of an earlier run is restored into this one.
 */
async function scratchDatabase(url: string, stamp: string) {
  const given = new URL(url);
  const name = `${decodeURIComponent(given.pathname.slice(1)) || "boardroom"}_${stamp.replace(/\D/g, "").slice(2, 14)}`.slice(0, 64);
  // to the server, not into the named database: it is only the prefix of the run's, and need not exist
  const server = new URL(url);
  server.pathname = "/";
  const admin = () => mysql.createConnection({ uri: server.toString(), connectTimeout: 5000 });
  try {
    const conn = await admin();
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    await conn.end();
  } catch (e) {
    throw new Refusal(`cannot create the run's database ${name} on the MYSQL_URL server (${(e as Error).message}): the bench needs CREATE/DROP there.`);
  }
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  running.scratch = name;
  return {
    name,
    url: scratch.toString(),
    async drop() {
      try {
        const conn = await admin();
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await conn.end();
        running.scratch = null;
      } catch (e) {
        log(`could not drop the run's database ${name}: ${(e as Error).message}`);
      }
    },
  };
}
const running: { scratch: string | null; logs: string | null } = { scratch: null, logs: null };

/** The commit the measured server ran from, and the files under src/ that differed from it (a shared checkout). */
function sourceVersion(): { commit: string | null; uncommittedSrc: string[] } {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--", "src", "arena.config.ts"], { encoding: "utf8" });
    return { commit, uncommittedSrc: status.split("\n").filter(Boolean).map((l) => l.slice(3)) };
  } catch {
    return { commit: null, uncommittedSrc: [] };
  }
}

function redact(url: string) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

// Children never outlive the bench: on success, errors, SIGINT/SIGTERM and the hard time limit.
function killEverything() {
  killAllWorkers();
  killAllDrivers();
  killAllServers();
  if (running.logs) writeServerLogs(running.logs);
}
process.on("exit", killEverything);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    log(`${signal}: killing the bots and the server(s)${running.scratch ? `; the run's database ${running.scratch} is left (drop it by hand)` : ""}`);
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
  if (e instanceof Refusal) {
    console.error(e.message);
    process.exit(2);
  }
  if (e instanceof UsageError || String((e as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS")) {
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

