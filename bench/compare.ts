/**
 * bench --compare: our server against hand-written peers (bench/peers/: Socket.IO, and the same
 * protocol on raw ws), one after the other on this machine, through the same light driver
 * (driver.ts) at the same levels and think time. The server under test is pinned to CPU 0 and the
 * driver to CPU 1 with taskset when it exists. Per level and server: players connected, actions/s,
 * ack and all-members latency, server CPU and CPU per action (from /proc), RSS at the end of the
 * window and per player, the driver's CPU (flagged when the driver, not the server, is the limit).
 * `ours-spectators` is ours again with rooms of 2 players + 3 spectators instead of 5 players: the
 * same connections and the same action rate per room, so what a spectator costs against a player
 * is the difference (spectatorTable).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Metrics } from "../loadtest/metrics.ts";
import type { LatencySummary } from "../loadtest/histogram.ts";
import type { ProtocolName } from "./adapters.ts";
import type { DriverPlan, FromDriver, LoopDelay, ToDriver } from "./driver.ts";
import { summariseProfile } from "./profile.ts";
import { health, startServer, type ServerProcess } from "./servers.ts";
import { cpuModesOf, cpuPercent, machine, machineBusyPercent, pidsByName, quietMachine, rssBytes, sampleCpu } from "./system.ts";

/**
 * `ours-mysql` is our server again, with the MySQL store (the durable match log): it needs MYSQL_URL.
 * `ours-spectators` is our server again, its rooms of 2 players and 3 spectators (not run unless named).
 */
export const PEERS = ["ours-mysql", "ours-spectators", "socketio", "ws"] as const;
export type PeerName = (typeof PEERS)[number];
export type ServerName = "ours" | PeerName;
/** Above this share of its core the driver, not the server, is the limit of a level. */
export const DRIVER_LIMIT_PERCENT = 85;
const WARM_UP = { players: 50, seconds: 8 };
/**
 * A level during which other work on the machine used more than this (% of one core) is run again,
 * up to BUSY_RETRIES times, and the quietest run kept (not with --quiet-wait-seconds 0).
 */
const BUSY_LIMIT_PERCENT = 10;
const BUSY_RETRIES = 2;
/**
 * Rounds of the rooms of five players the driver creates: at 1 s think a game outlasts a level, at
 * 50 ms rooms cycle (and join) within it. A room with fewer players gets more rounds, so that every
 * game has the same number of turns (30 x 5 = 150: 75 rounds of 2 players) and rooms cycle alike.
 */
const MAX_ROUNDS = 30;
/** Members of a room the driver forms (the most a room seats). */
export const ROOM_SIZE = 5;
/** Members of an ours-spectators room who watch: 2 players + 3 spectators, five connections like a room of five players. */
export const SPECTATORS_PER_ROOM = 3;

const SERVERS: Record<ServerName, { label: string; script: string; scheme: string; protocol: ProtocolName; spectators?: number }> = {
  ours: { label: "ours (src/index.ts, in-memory store)", script: "src/index.ts", scheme: "ws", protocol: "ours" },
  "ours-spectators": {
    label: `ours (src/index.ts, in-memory store), rooms of ${ROOM_SIZE - SPECTATORS_PER_ROOM} players + ${SPECTATORS_PER_ROOM} spectators`,
    script: "src/index.ts",
    scheme: "ws",
    protocol: "ours",
    spectators: SPECTATORS_PER_ROOM,
  },
  "ours-mysql": { label: "ours (src/index.ts, MySQL store: every action written before its ack)", script: "src/index.ts", scheme: "ws", protocol: "ours" },
  socketio: { label: "hand-written Socket.IO (bench/peers/socketio-server.ts)", script: "bench/peers/socketio-server.ts", scheme: "http", protocol: "socketio" },
  ws: { label: "the same protocol on raw ws (bench/peers/ws-server.ts)", script: "bench/peers/ws-server.ts", scheme: "ws", protocol: "ws" },
};

export interface CompareOptions {
  levels: number[];
  levelSeconds: number;
  warmupSeconds: number;
  rampRate: number;
  thinkMs: number;
  timeoutMs: number;
  peers: PeerName[];
  /** the database of `ours-mysql` (a scratch database of this run), or null */
  mysqlUrl: string | null;
  profile: boolean;
  /** before each level, wait at most this long for a quiet machine (0: do not wait) */
  quietWaitSeconds: number;
  /** where the JSON (and a profile summary) go: bench/results unless a spec says otherwise */
  resultsDir: string;
}

/** The fields of a level behind the table's columns: the spec checks each one is measured for every server. */
export const LEVEL_COLUMNS = ["players", "thinkMs", "actionsPerSecond", "ackMs", "allMembersMs", "serverCpuPercent", "serverSystemCpuPercent", "cpuPerActionUs", "serverRssMB", "rssOverIdleKBPerPlayer", "driverCpuPercent", "driverLimited", "dbCpuPercent", "otherCpuPercent", "errors"] as const;

export interface CompareLevel {
  server: ServerName;
  target: number;
  /** connected players the server reported (GET /health clients), averaged over the window */
  players: number;
  /** players the driver had seated in rooms, averaged over the window */
  driverPlayers: number;
  thinkMs: number;
  seconds: number;
  /** acknowledged actions in the window */
  actions: number;
  actionsPerSecond: number;
  ackMs: { p50: number | null; p99: number | null };
  allMembersMs: { p50: number | null; p99: number | null };
  latency: Record<"actionAck" | "stateAllMembers" | "joinByCode" | "create", LatencySummary>;
  /** % of one core */
  serverCpuPercent: number;
  /** the part of serverCpuPercent spent in the kernel (socket writes on loopback carry the receiving side's TCP work too) */
  serverSystemCpuPercent: number;
  /** server CPU seconds in the window / acknowledged actions, in µs */
  cpuPerActionUs: number | null;
  /** server CPU per second of the window per connected client (players), in µs: 1,000 µs/s is 0.1% of a core */
  cpuPerConnectionUs: number | null;
  /**
   * What the server's listing (GET /rooms/:code) said, right after the window, of the rooms the
   * driver had in play (at most 50 of them): players and spectators in all of them together. Ours only.
   */
  listing: { rooms: number; players: number; spectators: number } | null;
  /** MariaDB's CPU over the window, % of one core (the store of ours-mysql; near 0 for the others) */
  dbCpuPercent: number;
  /** at the end of the window */
  serverRssMB: number;
  /** (RSS at the end of the window - idle RSS of the warmed-up server) / players */
  rssOverIdleKBPerPlayer: number | null;
  /** % of one core */
  driverCpuPercent: number;
  /** the driver used more than DRIVER_LIMIT_PERCENT of its core: it, not the server, was the limit */
  driverLimited: boolean;
  driverLoopDelayMs: LoopDelay;
  /** % of one core used by anything but the server, the driver and the bench meanwhile */
  otherCpuPercent: number;
  errors: number;
  errorKinds: Record<string, number>;
  errorSamples: string[];
  gamesFinished: number;
  joins: number;
  /** runs of this level: more than 1 when other work made the machine busy (the quietest is kept) */
  attempts: number;
}

export interface CompareServer {
  server: ServerName;
  label: string;
  script: string;
  idleRssMB: number;
  /** least-squares slope of RSS over players across the levels, KB per player (null with one level) */
  rssSlopeKBPerPlayer: number | null;
  levels: CompareLevel[];
  /** why a level could not run (the server would not start, the driver died), or null */
  failure: string | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);
const round1 = (v: number) => Math.round(v * 10) / 10;

/** taskset with two CPUs or more: the server on CPU 0, the driver on CPU 1; else null (not pinned). */
export function pinning(): { server: string; driver: string } | null {
  if (os.cpus().length < 2) return null;
  try {
    execFileSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
    return { server: "0", driver: "1" };
  } catch {
    return null;
  }
}

const drivers = new Set<ChildProcess>();
export function killAllDrivers() {
  for (const child of drivers) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** The driver process (driver.ts) over IPC, pinned when taskset is there (bench/memory.ts seats its players with it too). */
export class DriverProcess {
  readonly child: ChildProcess;
  players = 0;
  private output = "";
  private reportWaiter: ((m: Extract<FromDriver, { type: "report" }>) => void) | null = null;
  private readonly exited: Promise<void>;

  constructor(cpus: string | undefined) {
    const command = [process.execPath, "--import", "tsx", "bench/driver.ts"];
    const [file, ...args] = cpus ? ["taskset", "-c", cpus, ...command] : command;
    this.child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe", "ipc"], env: { ...process.env, DOTENV_CONFIG_QUIET: "true" } });
    drivers.add(this.child);
    const keep = (d: Buffer) => {
      this.output = (this.output + d).slice(-20_000);
    };
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    void this.exited.then(() => drivers.delete(this.child));
    this.child.on("message", (m: FromDriver) => {
      if (m.type === "presence") this.players = m.players;
      else if (m.type === "report") {
        this.reportWaiter?.(m);
        this.reportWaiter = null;
      }
    });
  }

  get pid() {
    return this.child.pid!;
  }

  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  log() {
    return this.output;
  }

  send(m: ToDriver) {
    if (this.alive && this.child.connected) this.child.send(m);
  }

  report(timeoutMs = 15_000): Promise<Extract<FromDriver, { type: "report" }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the driver sent no report within ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      this.reportWaiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.send({ type: "report" });
    });
  }

  async stop(timeoutMs = 25_000) {
    this.send({ type: "stop" });
    const killer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(killer);
  }
}

async function drain(server: ServerProcess, seconds = 45) {
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const h = await health(server);
    if (h && h.rooms === 0 && h.clients === 0) return;
    await sleep(500);
  }
  log(`the server still holds rooms after ${seconds} s; going on`);
}

/** Rounds of a room with `spectators` of its five watching: as many turns as MAX_ROUNDS of five players. */
const roundsFor = (spectators: number) => Math.round((MAX_ROUNDS * ROOM_SIZE) / (ROOM_SIZE - spectators));

function planFor(server: ServerProcess, name: ServerName, players: number, options: CompareOptions, prefix: string): DriverPlan {
  const { scheme, protocol, spectators = 0 } = SERVERS[name];
  const endpoint = `${scheme}://127.0.0.1:${server.port}`;
  return { protocol, endpoint, players, rampRate: options.rampRate, thinkMs: options.thinkMs, timeoutMs: options.timeoutMs, maxRounds: roundsFor(spectators), roomSize: ROOM_SIZE, spectators, namePrefix: prefix };
}

/** Players and spectators the server lists in these rooms (GET /rooms/:code), the rooms that answered. */
async function listedMembers(server: ServerProcess, codes: string[]): Promise<CompareLevel["listing"]> {
  const listed = { rooms: 0, players: 0, spectators: 0 };
  await Promise.all(
    codes.map(async (code) => {
      try {
        const res = await fetch(`${server.http}/rooms/${code}`, { signal: AbortSignal.timeout(2000) });
        if (!res.ok) return;
        const room = (await res.json()) as { clients: number; spectators: number };
        listed.rooms++;
        listed.players += room.clients;
        listed.spectators += room.spectators;
      } catch {
        /* the room ended meanwhile, or the server is slow: not counted */
      }
    }),
  );
  return listed;
}

async function runLevel(server: ServerProcess, protocol: ServerName, target: number, idleRss: number, options: CompareOptions, pin: ReturnType<typeof pinning>): Promise<CompareLevel> {
  const driver = new DriverProcess(pin?.driver);
  try {
    driver.send({ type: "start", plan: planFor(server, protocol, target, options, "p") });
    const rampSeconds = target / options.rampRate;
    log(`${protocol}, level ${target}: the driver seats them over ${rampSeconds.toFixed(0)} s`);
    await sleep(rampSeconds * 1000);
    const rampDeadline = performance.now() + 60_000;
    while (driver.players < target * 0.9 && performance.now() < rampDeadline) {
      if (!driver.alive) throw new Error(`the driver died:\n${driver.log()}`);
      await sleep(500);
    }
    await sleep(options.warmupSeconds * 1000);

    driver.send({ type: "measure" });
    const benchBefore = process.cpuUsage();
    // MariaDB works for ours-mysql: its CPU is the store's, not other work on the machine
    const dbPids = pidsByName(["mariadbd", "mysqld"]);
    const before = sampleCpu([server.pid, driver.pid, ...dbPids]);
    const modesBefore = cpuModesOf(server.pid);
    const connected: number[] = [];
    const seated: number[] = [];
    const windowEnd = performance.now() + options.levelSeconds * 1000;
    while (performance.now() < windowEnd) {
      const h = await health(server);
      if (h) connected.push(h.clients);
      seated.push(driver.players);
      await sleep(Math.min(1000, Math.max(0, windowEnd - performance.now())));
    }
    const report = await driver.report();
    const after = sampleCpu([server.pid, driver.pid, ...dbPids]);
    const modesAfter = cpuModesOf(server.pid);
    const rss = rssBytes(server.pid) ?? 0;
    // after the CPU samples: these requests are not in the window
    const listing = SERVERS[protocol].protocol === "ours" ? await listedMembers(server, report.codes) : null;
    const seconds = (after.at - before.at) / 1000;
    const serverCpu = cpuPercent(before, after, [server.pid]);
    const driverCpu = cpuPercent(before, after, [driver.pid]);
    const bench = process.cpuUsage(benchBefore);
    const benchCpu = (100 * (bench.user + bench.system)) / 1e6 / seconds;
    const dbCpu = cpuPercent(before, after, dbPids);
    const otherCpu = Math.max(0, machineBusyPercent(before, after) * os.cpus().length - serverCpu - driverCpu - benchCpu - dbCpu);

    const metrics = new Metrics();
    metrics.merge(report.metrics);
    const latency = metrics.summaries();
    const c = metrics.counters;
    const players = connected.length ? connected.reduce((a, b) => a + b, 0) / connected.length : 0;
    const serverCpuSeconds = (serverCpu / 100) * seconds;
    return {
      server: protocol,
      target,
      players: Math.round(players),
      driverPlayers: Math.round(seated.reduce((a, b) => a + b, 0) / Math.max(1, seated.length)),
      thinkMs: options.thinkMs,
      seconds: round1(seconds),
      actions: c.acks,
      actionsPerSecond: round1(c.acks / seconds),
      ackMs: { p50: latency.actionAck.p50, p99: latency.actionAck.p99 },
      allMembersMs: { p50: latency.stateAllMembers.p50, p99: latency.stateAllMembers.p99 },
      latency: { actionAck: latency.actionAck, stateAllMembers: latency.stateAllMembers, joinByCode: latency.joinByCode, create: latency.create },
      serverCpuPercent: round1(serverCpu),
      serverSystemCpuPercent: modesBefore && modesAfter ? round1((100 * (modesAfter.system - modesBefore.system)) / seconds) : 0,
      cpuPerActionUs: c.acks > 0 ? round1((serverCpuSeconds * 1e6) / c.acks) : null,
      cpuPerConnectionUs: players > 0 ? round1((serverCpuSeconds * 1e6) / seconds / players) : null,
      listing,
      serverRssMB: round1(rss / 1e6),
      rssOverIdleKBPerPlayer: players > 0 ? round1((rss - idleRss) / 1024 / players) : null,
      driverCpuPercent: round1(driverCpu),
      driverLimited: driverCpu > DRIVER_LIMIT_PERCENT,
      driverLoopDelayMs: { p50: round1(report.loopDelay.p50), p99: round1(report.loopDelay.p99), max: round1(report.loopDelay.max) },
      otherCpuPercent: round1(otherCpu),
      dbCpuPercent: round1(dbCpu),
      errors: c.errors,
      errorKinds: metrics.errorKinds,
      errorSamples: metrics.errorSamples,
      gamesFinished: c.gamesFinished,
      joins: c.joins,
      attempts: 1,
    };
  } finally {
    log(`${protocol}, level ${target}: the driver leaves`);
    await driver.stop();
    await drain(server);
  }
}

/** A few rooms played for a few seconds before anything is recorded: compiles the hot paths and settles the heap. */
async function warmUp(server: ServerProcess, protocol: ServerName, options: CompareOptions, pin: ReturnType<typeof pinning>) {
  const driver = new DriverProcess(pin?.driver);
  try {
    driver.send({ type: "start", plan: { ...planFor(server, protocol, WARM_UP.players, options, "warm"), thinkMs: Math.min(options.thinkMs, 200) } });
    await sleep(WARM_UP.seconds * 1000);
  } finally {
    await driver.stop();
    await drain(server);
  }
}

/** RSS of the idle server: the lowest of a few samples a quarter second apart. */
async function idleRss(server: ServerProcess): Promise<number> {
  let low = Infinity;
  for (let i = 0; i < 8; i++) {
    low = Math.min(low, rssBytes(server.pid) ?? Infinity);
    await sleep(250);
  }
  return Number.isFinite(low) ? low : 0;
}

/** KB of RSS per added player: least-squares slope of RSS over players across the levels. */
export function rssSlope(levels: Array<{ players: number; serverRssMB: number }>): number | null {
  if (levels.length < 2) return null;
  const n = levels.length;
  const mx = levels.reduce((a, l) => a + l.players, 0) / n;
  const my = levels.reduce((a, l) => a + l.serverRssMB, 0) / n;
  const sxy = levels.reduce((a, l) => a + (l.players - mx) * (l.serverRssMB - my), 0);
  const sxx = levels.reduce((a, l) => a + (l.players - mx) ** 2, 0);
  return sxx > 0 ? round1(((sxy / sxx) * 1e6) / 1024) : null;
}

/** A server of the comparison, started and warmed up, with the levels it has run so far. */
interface Running {
  protocol: ServerName;
  server: ServerProcess | null;
  idle: number;
  result: CompareServer;
}

/** Starts one server pinned, warms it up and takes its idle RSS; a failure is recorded in its result. */
async function start(protocol: ServerName, options: CompareOptions, pin: ReturnType<typeof pinning>, profileDir: string): Promise<Running> {
  const { label, script } = SERVERS[protocol];
  const running: Running = { protocol, server: null, idle: 0, result: { server: protocol, label, script, idleRssMB: 0, rssSlopeKBPerPlayer: null, levels: [], failure: null } };
  // ours as bench/servers.ts starts it: NODE_ENV=production, the in-memory store (ours-mysql: MySQL), player tokens off; the bots all come from 127.0.0.1
  if (protocol === "ours-mysql" && !options.mysqlUrl) throw new Error("ours-mysql needs MYSQL_URL");
  const env: Record<string, string> = { MYSQL_URL: protocol === "ours-mysql" ? options.mysqlUrl! : "", REDIS_URL: "", AUTH_JWT_SECRET: "", AUTH_JWKS_FILE: "", AUTH_GUESTS: "", CODE_LOOKUP_LIMIT: "10000" };
  const nodeArgs = options.profile && SERVERS[protocol].protocol === "ours" ? ["--cpu-prof", `--cpu-prof-dir=${path.join(profileDir, protocol)}`] : [];
  log(`starting ${label}${pin ? ` on CPU ${pin.server}` : ""}`);
  try {
    running.server = await startServer(env, nodeArgs, undefined, { script, cpus: pin?.server });
    await warmUp(running.server, protocol, options, pin);
    running.idle = await idleRss(running.server);
    running.result.idleRssMB = round1(running.idle / 1e6);
    log(`${protocol}: idle RSS ${running.result.idleRssMB} MB`);
  } catch (e) {
    fail(running, e);
  }
  return running;
}

function fail(running: Running, e: unknown) {
  running.result.failure = (e as Error).message.slice(0, 2000);
  log(`${running.protocol}: ${running.result.failure}`);
}

/** One level against one running server, run again (up to BUSY_RETRIES times) while other work made the machine busy; the quietest run is kept. */
async function level(running: Running, target: number, options: CompareOptions, pin: ReturnType<typeof pinning>) {
  const { protocol, server, idle } = running;
  if (!server || running.result.failure) return;
  try {
    let kept: CompareLevel | null = null;
    const attempts = options.quietWaitSeconds > 0 ? 1 + BUSY_RETRIES : 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (options.quietWaitSeconds > 0) await quietMachine(options.quietWaitSeconds, log);
      const run = await runLevel(server, protocol, target, idle, options, pin);
      if (!kept || run.otherCpuPercent < kept.otherCpuPercent) kept = { ...run, attempts: attempt };
      else kept.attempts = attempt;
      if (kept.otherCpuPercent <= BUSY_LIMIT_PERCENT) break;
      log(`${protocol}, level ${target}: other work used ${run.otherCpuPercent.toFixed(0)}% of a core during the window${attempt < attempts ? ": once more" : ""}`);
    }
    if (!kept) return;
    running.result.levels.push(kept);
    console.log(`\n${compareTable([kept])}\n`);
  } catch (e) {
    fail(running, e);
  }
}

/**
 * Every level against a group of servers: each started pinned and warmed up, then level by level
 * each server in turn (one driven at a time; the others idle meanwhile), then all stopped. A group
 * of one is the usual --compare; ours and ours-spectators run as a pair, so that the two windows
 * of a level are minutes closer than a whole server's run apart on a machine others share, and in
 * the order A B B A: the second window of a pair measured ~10% more CPU per action at 500 players,
 * whichever server ran it, so each server gets one earlier and one later window of every level.
 */
async function runGroup(protocols: ServerName[], options: CompareOptions, pin: ReturnType<typeof pinning>, profileDir: string): Promise<CompareServer[]> {
  const group: Running[] = [];
  try {
    for (const protocol of protocols) group.push(await start(protocol, options, pin, profileDir));
    const turns = group.length === 2 ? [group[0], group[1], group[1], group[0]] : group;
    for (const target of options.levels) for (const running of turns) await level(running, target, options, pin);
  } finally {
    for (const running of group) await running.server?.stop();
  }
  for (const { result } of group) result.rssSlopeKBPerPlayer = rssSlope(result.levels);
  return group.map((r) => r.result);
}

const f = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? "-" : v.toFixed(digits));

/** The comparison, level by level and server by server, in the shape of issue 11's table. */
export function compareTable(levels: CompareLevel[]): string {
  const head = ["server", "players", "think ms", "actions/s", "ack p50/p99 ms", "all-members p50/p99 ms", "server CPU%", "of it kernel%", "CPU/action µs", "RSS MB", "KB/player over idle", "driver CPU%", "MariaDB CPU%", "other CPU%", "errors"];
  const rows = levels.map((l) => [
    l.server,
    String(l.players),
    String(l.thinkMs),
    f(l.actionsPerSecond, 0),
    `${f(l.ackMs.p50)} / ${f(l.ackMs.p99)}`,
    `${f(l.allMembersMs.p50)} / ${f(l.allMembersMs.p99)}`,
    f(l.serverCpuPercent, 0),
    f(l.serverSystemCpuPercent, 0),
    f(l.cpuPerActionUs, 0),
    f(l.serverRssMB, 0),
    f(l.rssOverIdleKBPerPlayer, 1),
    `${f(l.driverCpuPercent, 0)}${l.driverLimited ? " (limit)" : ""}`,
    f(l.dbCpuPercent, 0),
    f(l.otherCpuPercent, 0),
    String(l.errors),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/**
 * Rooms of five players against rooms of 2 players + 3 spectators (ours, ours-spectators of one
 * run), level by level: each window (A B B A, see runGroup), and the ratio of the two servers'
 * means over their windows of the level; null without both.
 */
export function spectatorTable(servers: CompareServer[]): string | null {
  const players = servers.find((s) => s.server === "ours");
  const watched = servers.find((s) => s.server === "ours-spectators");
  if (!players || !watched) return null;
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? `${(a / b).toFixed(2)}x` : "-");
  const mean = (levels: CompareLevel[], value: (l: CompareLevel) => number | null) => {
    const known = levels.map(value).filter((v): v is number => v !== null);
    return known.length === levels.length && known.length > 0 ? known.reduce((a, v) => a + v, 0) / known.length : null;
  };
  const perRoom = (l: CompareLevel) => (l.listing && l.listing.rooms > 0 ? `${f(l.listing.players / l.listing.rooms)} + ${f(l.listing.spectators / l.listing.rooms)} (${l.listing.rooms})` : "-");
  const head = ["connections", "rooms of", "listed per room (rooms)", "actions/s", "CPU/action µs", "CPU/connection µs/s", "RSS MB", "KB/connection over idle", "driver CPU%", "other CPU%", "errors"];
  const rows: string[][] = [];
  for (const target of [...new Set(players.levels.map((l) => l.target))]) {
    const p = players.levels.filter((l) => l.target === target);
    const w = watched.levels.filter((l) => l.target === target);
    if (w.length === 0) continue;
    const row = (l: CompareLevel, what: string) => [
      String(l.players),
      what,
      perRoom(l),
      f(l.actionsPerSecond, 0),
      f(l.cpuPerActionUs, 0),
      f(l.cpuPerConnectionUs, 0),
      f(l.serverRssMB, 0),
      f(l.rssOverIdleKBPerPlayer, 1),
      `${f(l.driverCpuPercent, 0)}${l.driverLimited ? " (limit)" : ""}`,
      f(l.otherCpuPercent, 0),
      String(l.errors),
    ];
    const windows = p.length + w.length > 2;
    const label = (what: string, i: number) => (windows ? `${what} (window ${i + 1})` : what);
    rows.push(...p.map((l, i) => row(l, label(`${ROOM_SIZE} players`, i))), ...w.map((l, i) => row(l, label(`${ROOM_SIZE - SPECTATORS_PER_ROOM} players + ${SPECTATORS_PER_ROOM} spectators`, i))));
    const r = (value: (l: CompareLevel) => number | null) => ratio(mean(w, value), mean(p, value));
    rows.push(["", windows ? "ratio of the means" : "ratio", "", r((l) => l.actionsPerSecond), r((l) => l.cpuPerActionUs), r((l) => l.cpuPerConnectionUs), r((l) => l.serverRssMB), r((l) => l.rssOverIdleKBPerPlayer), "", "", ""]);
  }
  if (rows.length === 0) return null;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 1 || i === 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 1 || i === 2 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/** Rows grouped by level, then server, as the issue compares them. */
export function byLevel(servers: CompareServer[]): CompareLevel[] {
  const targets = [...new Set(servers.flatMap((s) => s.levels.map((l) => l.target)))].sort((a, b) => a - b);
  return targets.flatMap((t) => servers.flatMap((s) => s.levels.filter((l) => l.target === t)));
}

export async function runCompare(options: CompareOptions, stamp: string, source: unknown) {
  const pin = pinning();
  log(pin ? `taskset: servers on CPU ${pin.server}, the driver on CPU ${pin.driver}` : "no taskset (or one CPU): the servers and the driver are not pinned");
  const results = options.resultsDir;
  const profileDir = path.resolve(results, "profiles", stamp);
  const order = ["ours", ...options.peers] as ServerName[];
  // one after the other, never driven at the same time; ours-spectators level by level beside ours
  const groups: ServerName[][] = order.filter((p) => p !== "ours-spectators").map((p) => (p === "ours" && order.includes("ours-spectators") ? ["ours", "ours-spectators"] : [p]));
  const servers: CompareServer[] = [];
  for (const group of groups) servers.push(...(await runGroup(group, options, pin, profileDir)));
  servers.sort((a, b) => order.indexOf(a.server) - order.indexOf(b.server));

  let profile: string | null = null;
  if (options.profile && existsSync(profileDir)) {
    // one directory per server profiled (ours, ours-mysql)
    const files = readdirSync(profileDir).flatMap((dir) => readdirSync(path.join(profileDir, dir)).filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(dir, f)));
    profile = files.map((f) => `### ${f}\n\n${summariseProfile(JSON.parse(readFileSync(path.join(profileDir, f), "utf8")))}`).join("\n\n") || null;
    if (profile) writeFileSync(`${results}/profile-${stamp}-compare-ours.md`, `${profile}\n`);
  }
  // a run of ours against ours-spectators alone does not replace the latest comparison with the peers
  const kind = options.peers.length > 0 && options.peers.every((p) => p === "ours-spectators") ? "spectators" : "peers";
  const record = {
    startedAt: stamp,
    machine: machine(),
    source,
    mode: { compare: kind, pinned: pin, notPinned: pin ? null : "taskset missing or one CPU: not pinned" },
    settings: { ...options, busyLimitPercent: BUSY_LIMIT_PERCENT, busyRetries: BUSY_RETRIES, maxRoundsPerRoom: MAX_ROUNDS, roomSize: ROOM_SIZE, oursSpectators: { spectatorsPerRoom: SPECTATORS_PER_ROOM, maxRoundsPerRoom: roundsFor(SPECTATORS_PER_ROOM) }, driverLimitPercent: DRIVER_LIMIT_PERCENT, warmUp: WARM_UP, serverEnv: { NODE_ENV: "production", store: "memory (ours-mysql: MySQL, a scratch database of the run)", CODE_LOOKUP_LIMIT: "10000" } },
    servers,
    profile,
  };
  mkdirSync(results, { recursive: true });
  const json = `${JSON.stringify(record, null, 2)}\n`;
  const files = [`${stamp}-compare-${kind}.json`, `latest-compare-${kind}.json`, `latest-compare-${kind}-think${options.thinkMs}.json`].map((n) => `${results}/${n}`);
  for (const file of files) writeFileSync(file, json);

  console.log(`\n${compareTable(byLevel(servers))}\n`);
  for (const s of servers) {
    console.log(`${s.server}: idle RSS ${s.idleRssMB} MB, RSS slope over players ${f(s.rssSlopeKBPerPlayer)} KB/player${s.failure ? `; FAILED: ${s.failure.split("\n")[0]}` : ""}`);
  }
  const limited = servers.flatMap((s) => s.levels.filter((l) => l.driverLimited).map((l) => `${s.server} at ${l.target}`));
  if (limited.length) console.log(`the driver was above ${DRIVER_LIMIT_PERCENT}% of its core (it, not the server, was the limit): ${limited.join(", ")}`);
  if (!pin) console.log("not pinned: taskset is missing or the machine has one CPU");
  const spectators = spectatorTable(servers);
  if (spectators) console.log(`\nrooms of ${ROOM_SIZE} players against rooms of ${ROOM_SIZE - SPECTATORS_PER_ROOM} players + ${SPECTATORS_PER_ROOM} spectators (ratio: spectators / players):\n\n${spectators}\n`);
  if (profile) console.log(`\n${profile}`);
  console.log(`written: ${files.join(", ")}`);
  return record;
}
