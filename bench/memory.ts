/**
 * bench --memory: where our server's memory per player goes (issue 11, goal 3). For each level, a
 * fresh server (the production start, as --compare starts ours: NODE_ENV=production, the in-memory
 * store, player tokens off; with --heapsnapshot-signal=SIGPWR, since Colyseus stops on SIGUSR2),
 * warmed up, then seated with that many players by --compare's light driver (rooms of five, 1 s
 * think by default), left to settle, then measured: VmRSS and /proc/<pid>/smaps_rollup, the V8
 * heap spaces and external memory (the server's GET /metrics, prom-client's default metrics), the
 * kernel's socket memory of the server's connections (`ss -tm`), and a heap snapshot (SIGPWR)
 * aggregated by node type and constructor. The difference between the two levels divided by the
 * players added is the memory per player, by category. A fresh process per level, because a heap
 * snapshot leaves the snapshotting process with a larger malloc heap that would count at the next level.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { UsageError, numberFlag } from "../loadtest/args.ts";
import { DriverProcess, ROOM_SIZE, killAllDrivers, pinning } from "./compare.ts";
import type { DriverPlan } from "./driver.ts";
import { health, killAllServers, startServer, type ServerProcess } from "./servers.ts";
import { cpuModesOf, machine, quietMachine, rssBytes } from "./system.ts";

export const MEMORY_HELP = `npm run bench -- --memory [flags]     (or: npx tsx bench/memory.ts [flags])

  --levels N,N           players at each level, a fresh server each (default 1000,4000; the table
                         is the difference between the first and the last level)
  --settle-seconds S     after the players are seated, before measuring (default 20)
  --think-ms MS          the driver's mean think time (default 1000)
  --ramp-rate N          players seated per second (default 250)
  --timeout-ms MS        the driver's answer timeout (default 10000)
  --node-args="A B"      extra Node flags for the server, after the production start's own (a lever under test,
                         e.g. --node-args=--max-semi-space-size=4; the = is needed: the value starts with --)
  --env K=V,K=V          extra environment for the server (a lever under test)
  --label NAME           what this run measures (default "as is"), in the JSON and the table
  --keep-snapshots       keep the .heapsnapshot files (bench/results/profiles/memory-<time>/; deleted by default)
  --no-snapshot          no heap snapshot (RSS, smaps and V8 heap spaces only)
  --quiet-wait-seconds S before each level, wait at most S s for a quiet machine (default 60; 0: no wait)
  --results-dir DIR      default bench/results`;

export interface MemoryOptions {
  levels: number[];
  settleSeconds: number;
  thinkMs: number;
  rampRate: number;
  timeoutMs: number;
  nodeArgs: string[];
  env: Record<string, string>;
  label: string;
  keepSnapshots: boolean;
  snapshot: boolean;
  resultsDir: string;
  /** before each level, wait at most this long for a quiet machine */
  quietWaitSeconds: number;
}

export function parseMemoryArgs(argv: string[]): MemoryOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      levels: { type: "string" },
      "settle-seconds": { type: "string" },
      "think-ms": { type: "string" },
      "ramp-rate": { type: "string" },
      "timeout-ms": { type: "string" },
      "node-args": { type: "string" },
      env: { type: "string" },
      label: { type: "string" },
      "keep-snapshots": { type: "boolean" },
      "no-snapshot": { type: "boolean" },
      "results-dir": { type: "string" },
      "quiet-wait-seconds": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return null;
  const levels = (values.levels ?? "1000,4000").split(",").map((v) => Math.floor(numberFlag(v.trim(), "levels", 0, 5, 20_000)));
  if (levels.length < 2) throw new UsageError("--levels takes two levels or more: the table is the difference between the first and the last");
  const env: Record<string, string> = {};
  for (const pair of (values.env ?? "").split(",").filter(Boolean)) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`--env takes K=V,K=V (got "${pair}")`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    levels,
    settleSeconds: numberFlag(values["settle-seconds"], "settle-seconds", 20, 0, 600),
    thinkMs: numberFlag(values["think-ms"], "think-ms", 1000, 0, 60_000),
    rampRate: numberFlag(values["ramp-rate"], "ramp-rate", 250, 1, 10_000),
    timeoutMs: numberFlag(values["timeout-ms"], "timeout-ms", 10_000, 100, 120_000),
    nodeArgs: (values["node-args"] ?? "").split(" ").filter(Boolean),
    env,
    label: values.label ?? "as is",
    keepSnapshots: values["keep-snapshots"] === true,
    snapshot: values["no-snapshot"] !== true,
    resultsDir: values["results-dir"] ?? "bench/results",
    quietWaitSeconds: numberFlag(values["quiet-wait-seconds"], "quiet-wait-seconds", 60, 0, 600),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[memory ${new Date().toISOString().slice(11, 19)}] ${line}`);
const MB = 1e6;
const round1 = (v: number) => Math.round(v * 10) / 10;
const WARM_UP = { players: 50, seconds: 8 };

/** Fields of /proc/<pid>/status and smaps_rollup, in bytes. */
function procKb(file: string, names?: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = /^(\w+):\s+(\d+) kB/.exec(line);
      if (m && (!names || names.includes(m[1]))) out[m[1]] = Number(m[2]) * 1024;
    }
  } catch {
    /* gone */
  }
  return out;
}

/** V8's heap and external memory as the server's /metrics reports them (prom-client's default metrics). */
async function v8Memory(server: ServerProcess, token: string) {
  const res = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? Number.NaN);
  const spaces: Record<string, { total: number; used: number; available: number }> = {};
  for (const m of text.matchAll(/^nodejs_heap_space_size_(total|used|available)_bytes\{space="(\w+)"\} (\S+)/gm)) {
    spaces[m[2]] ??= { total: 0, used: 0, available: 0 };
    spaces[m[2]][m[1] as "total" | "used" | "available"] = Number(m[3]);
  }
  return {
    heapTotal: value("nodejs_heap_size_total_bytes"),
    heapUsed: value("nodejs_heap_size_used_bytes"),
    external: value("nodejs_external_memory_bytes"),
    rss: value("process_resident_memory_bytes"),
    spaces,
  };
}

/** The kernel's memory for the server's established sockets (`ss -tm`: receive + send queues and reserves), not part of RSS. */
function socketMemory(port: number): { sockets: number; bytes: number } | null {
  try {
    const out = execFileSync("ss", ["-tmnH", "state", "established", `( sport = :${port} )`], { encoding: "utf8", maxBuffer: 64 * MB });
    let sockets = 0;
    let bytes = 0;
    for (const m of out.matchAll(/skmem:\(([^)]*)\)/g)) {
      sockets++;
      const f = Object.fromEntries(m[1].split(",").map((kv) => [kv.replace(/\d+$/, ""), Number(/\d+$/.exec(kv)?.[0] ?? 0)]));
      bytes += (f.r ?? 0) + (f.t ?? 0) + (f.f ?? 0) + (f.w ?? 0);
    }
    return { sockets, bytes };
  } catch {
    return null;
  }
}

// ---- heap snapshots -------------------------------------------------------------------------

export interface SnapshotSummary {
  file: string;
  fileBytes: number;
  writeSeconds: number;
  nodes: number;
  /** sum of every node's self size: the live JS heap after the snapshot's full GC, plus the native entries V8 knows (ArrayBuffer backing stores) */
  totalSelfBytes: number;
  byType: Record<string, { count: number; bytes: number }>;
  /** "type: name" (objects by constructor, native entries by name), every one over 64 KB */
  byName: Record<string, { count: number; bytes: number }>;
  categories: Record<string, { count: number; bytes: number }>;
}

/** What a heap snapshot node is, for the table: the constructor decides for objects. */
const SCHEMA = new Set(["Player", "GameState", "ArraySchema", "MapSchema", "SetSchema", "CollectionSchema", "ChangeTree", "Root", "Encoder", "StateView", "Schema", "TypeContext", "Metadata", "Reflection", "SchemaSerializer", "MapJournal", "UntrackedChangeTree"]);
const COLYSEUS = new Set(["WebSocketClient", "Client", "Room", "GameRoom", "BoundGameRoom", "Clock", "Delayed", "ClockTimer", "Deferred", "ClientArray", "RoomCache", "Protocol", "EventEmitter", "SeatReservation", "InputBuffer"]);
const WS = new Set(["WebSocket", "Receiver", "Sender", "PerMessageDeflate", "Limiter"]);
const NET = new Set(["Socket", "TCP", "TCPWrap", "WriteWrap", "ShutdownWrap", "ReadableState", "WritableState", "BufferList", "IncomingMessage", "ServerResponse", "HTTPParser", "HTTPINCOMINGMESSAGE", "Timeout", "TimersList", "AbortController", "AbortSignal", "Server", "FreeList", "kOnTimeout"]);
const BUFFERS = new Set(["Buffer", "FastBuffer", "Uint8Array", "ArrayBuffer", "DataView", "Uint16Array", "Int32Array", "Uint32Array", "Float64Array", "Float32Array", "SharedArrayBuffer"]);
const PLAIN = new Set(["Object", "Array", "Map", "Set", "WeakMap", "WeakSet", "Promise", "Error", "Date", "RegExp", "(object properties)", "(object elements)"]);
const OURS = new Set(["MatchKeeper", "MemoryLogs", "MemoryMatches", "MemoryStore", "MemoryCodes", "SeatHandover", "Metrics", "Relister", "Restorer", "Housekeeping", "OpenRoomsDriver", "Drain"]);

export const CATEGORIES = [
  "schema (@colyseus/schema state, change trees, encoders)",
  "Colyseus rooms and clients (Room, WebSocketClient, clock)",
  "ws (WebSocket, Receiver, Sender)",
  "Node net/http (Socket, stream states, timers)",
  "Buffers and typed arrays (JS objects)",
  "ArrayBuffer backing stores (native, outside the JS heap)",
  "our classes (src/)",
  "plain objects, arrays, Map, Set, Promise",
  "other objects (named constructors)",
  "V8 internal arrays (object elements and properties, hash tables)",
  "strings",
  "closures (functions and their contexts)",
  "code (bytecode, compiled code, shared function info)",
  "V8 hidden objects and maps (shapes)",
  "other native entries",
  "numbers, symbols, regexps, bigints",
] as const;
export type Category = (typeof CATEGORIES)[number];

export function categoryOf(type: string, name: string): Category {
  switch (type) {
    case "string":
    case "concatenated string":
    case "sliced string":
      return "strings";
    case "closure":
      return "closures (functions and their contexts)";
    case "code":
      return "code (bytecode, compiled code, shared function info)";
    case "array":
      return "V8 internal arrays (object elements and properties, hash tables)";
    case "hidden":
    case "object shape":
    case "synthetic":
      return name === "system / Context" || name.startsWith("system / Context") ? "closures (functions and their contexts)" : "V8 hidden objects and maps (shapes)";
    case "native":
      return /ArrayBufferData|BackingStore/i.test(name) ? "ArrayBuffer backing stores (native, outside the JS heap)" : "other native entries";
    case "number":
    case "heap number":
    case "symbol":
    case "regexp":
    case "bigint":
      return "numbers, symbols, regexps, bigints";
  }
  // objects: by constructor name (V8 names an object by its constructor, sometimes with details after a space)
  if (name.startsWith("system / Context")) return "closures (functions and their contexts)";
  const ctor = name.split(" ")[0];
  if (SCHEMA.has(ctor)) return "schema (@colyseus/schema state, change trees, encoders)";
  if (COLYSEUS.has(ctor)) return "Colyseus rooms and clients (Room, WebSocketClient, clock)";
  if (WS.has(ctor)) return "ws (WebSocket, Receiver, Sender)";
  if (NET.has(ctor)) return "Node net/http (Socket, stream states, timers)";
  if (BUFFERS.has(ctor)) return "Buffers and typed arrays (JS objects)";
  if (OURS.has(ctor)) return "our classes (src/)";
  if (PLAIN.has(ctor)) return "plain objects, arrays, Map, Set, Promise";
  if (ctor === "system" || ctor.startsWith("(")) return "V8 hidden objects and maps (shapes)";
  return "other objects (named constructors)";
}

/** The JSON string tokens of a heap snapshot's "strings" section, decoded one by one (the section can pass V8's longest string). */
function parseStrings(buf: Buffer, from: number): string[] {
  const strings: string[] = [];
  let i = from;
  for (;;) {
    while (i < buf.length && buf[i] !== 0x22 && buf[i] !== 0x5d) i++;
    if (i >= buf.length || buf[i] === 0x5d) return strings;
    const start = i;
    let escaped = false;
    i++;
    while (i < buf.length) {
      const c = buf[i];
      if (c === 0x5c) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c === 0x22) break;
      i++;
    }
    strings.push(escaped ? (JSON.parse(buf.toString("utf8", start, i + 1)) as string) : buf.toString("utf8", start + 1, i));
    i++;
  }
}

/** A heap snapshot's nodes (self sizes) by type, by constructor or native name, and by category; edges are not read. */
export function summariseSnapshot(file: string, writeSeconds: number): SnapshotSummary {
  const buf = readFileSync(file);
  const nodesAt = buf.indexOf('"nodes":[');
  const header = JSON.parse(`${buf.toString("utf8", 0, nodesAt).trim().replace(/,$/, "")}}`) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  };
  const { meta, node_count: count } = header.snapshot;
  const width = meta.node_fields.length;
  const typeAt = meta.node_fields.indexOf("type");
  const nameAt = meta.node_fields.indexOf("name");
  const sizeAt = meta.node_fields.indexOf("self_size");
  const types = meta.node_types[0];
  const nodes = new Float64Array(count * width);
  let n = 0;
  let value = 0;
  let inNumber = false;
  let i = nodesAt + 9;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      inNumber = true;
    } else {
      if (inNumber) nodes[n++] = value;
      value = 0;
      inNumber = false;
      if (c === 0x5d) break;
    }
  }
  if (n !== count * width) throw new Error(`${file}: read ${n} node fields, expected ${count * width}`);
  const strings = parseStrings(buf, buf.lastIndexOf('"strings":[') + 11);

  const byType: SnapshotSummary["byType"] = {};
  const byNameAll = new Map<string, { count: number; bytes: number }>();
  const categories = Object.fromEntries(CATEGORIES.map((c) => [c, { count: 0, bytes: 0 }])) as SnapshotSummary["categories"];
  let total = 0;
  for (let k = 0; k < count; k++) {
    const base = k * width;
    const type = types[nodes[base + typeAt]] ?? "?";
    const size = nodes[base + sizeAt];
    total += size;
    byType[type] ??= { count: 0, bytes: 0 };
    const t = byType[type];
    t.count++;
    t.bytes += size;
    const named = type === "object" || type === "native" || type === "closure" || type === "hidden" || type === "synthetic";
    const name = named ? (strings[nodes[base + nameAt]] ?? "?").slice(0, 80) : "";
    const key = named ? `${type}: ${name}` : type;
    const e = byNameAll.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += size;
    byNameAll.set(key, e);
    const c = categories[categoryOf(type, name)];
    c.count++;
    c.bytes += size;
  }
  const byName: SnapshotSummary["byName"] = {};
  for (const [key, e] of [...byNameAll].sort((a, b) => b[1].bytes - a[1].bytes)) if (e.bytes >= 64 * 1024) byName[key] = e;
  return { file: path.basename(file), fileBytes: buf.length, writeSeconds: round1(writeSeconds), nodes: count, totalSelfBytes: total, byType, byName, categories };
}

// ---- a level --------------------------------------------------------------------------------

export interface MemoryLevel {
  target: number;
  /** connected clients the server reported (GET /health) when measured */
  players: number;
  rooms: number;
  /** players the driver had seated */
  seated: number;
  /** RSS of this process, warmed up and empty, before the players came */
  idleRssBytes: number;
  /** seconds from the first player to the measurement */
  secondsSinceStart: number;
  /** VmRSS and its parts (/proc/<pid>/status), bytes */
  status: Record<string, number>;
  /** /proc/<pid>/smaps_rollup, bytes */
  smaps: Record<string, number>;
  /** the server's CPU over the settle time, % of one core (a lever that saves memory may cost CPU: young-generation size) */
  serverCpuPercent: number | null;
  /** the mean VmRSS over the last 10 s of the settle time */
  meanRssBytes: number;
  v8: Awaited<ReturnType<typeof v8Memory>>;
  /** after the snapshot's full GC (its RSS also holds what writing the snapshot allocated) */
  v8AfterSnapshot: Awaited<ReturnType<typeof v8Memory>> | null;
  kernelSockets: ReturnType<typeof socketMemory>;
  snapshot: SnapshotSummary | null;
  /** the driver's errors since it started (joins that timed out, refused moves), by kind */
  driverErrors: number;
  driverErrorKinds: Record<string, number>;
}

function plan(server: ServerProcess, players: number, options: MemoryOptions, prefix: string, thinkMs = options.thinkMs): DriverPlan {
  return { protocol: "ours", endpoint: server.ws, players, rampRate: options.rampRate, thinkMs, timeoutMs: options.timeoutMs, maxRounds: 30, roomSize: ROOM_SIZE, spectators: 0, namePrefix: prefix };
}

async function drain(server: ServerProcess, seconds = 45) {
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const h = await health(server);
    if (h && h.rooms === 0 && h.clients === 0) return;
    await sleep(500);
  }
}

/** Waits for the snapshot file of `pid` to appear in `dir` and for the server to answer again (it writes the snapshot synchronously). */
async function takeSnapshot(server: ServerProcess, dir: string): Promise<{ file: string; seconds: number } | null> {
  const before = new Set(readdirSync(dir));
  const t0 = performance.now();
  process.kill(server.pid, "SIGPWR");
  const deadline = t0 + 300_000;
  await sleep(500);
  while (performance.now() < deadline) {
    const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith(".heapsnapshot") && f.includes(`.${server.pid}.`));
    if (file && (await health(server))) {
      // answering again: the snapshot is written
      const seconds = (performance.now() - t0) / 1000;
      const size = statSync(path.join(dir, file)).size;
      await sleep(500);
      if (statSync(path.join(dir, file)).size === size) return { file: path.join(dir, file), seconds };
    }
    await sleep(500);
  }
  return null;
}

async function runLevel(target: number, options: MemoryOptions, pin: ReturnType<typeof pinning>, snapshotDir: string): Promise<MemoryLevel> {
  const token = randomBytes(16).toString("hex");
  const env: Record<string, string> = { MYSQL_URL: "", REDIS_URL: "", AUTH_JWT_SECRET: "", AUTH_JWKS_FILE: "", AUTH_GUESTS: "", CODE_LOOKUP_LIMIT: "10000", METRICS_TOKEN: token, ...options.env };
  const nodeArgs = [...options.nodeArgs, ...(options.snapshot ? ["--heapsnapshot-signal=SIGPWR", `--diagnostic-dir=${snapshotDir}`] : [])];
  log(`level ${target}: starting the server${pin ? ` on CPU ${pin.server}` : ""}${options.nodeArgs.length ? ` with ${options.nodeArgs.join(" ")}` : ""}`);
  const server = await startServer(env, nodeArgs, undefined, { cpus: pin?.server });
  try {
    const warm = new DriverProcess(pin?.driver);
    warm.send({ type: "start", plan: plan(server, WARM_UP.players, options, "warm", Math.min(options.thinkMs, 200)) });
    await sleep(WARM_UP.seconds * 1000);
    await warm.stop();
    await drain(server);
    let idle = Infinity;
    for (let i = 0; i < 8; i++) {
      idle = Math.min(idle, rssBytes(server.pid) ?? Infinity);
      await sleep(250);
    }
    log(`level ${target}: idle RSS ${round1(idle / MB)} MB; seating ${target} players over ${(target / options.rampRate).toFixed(0)} s`);

    const driver = new DriverProcess(pin?.driver);
    try {
      const startedAt = performance.now();
      driver.send({ type: "start", plan: plan(server, target, options, "m") });
      await sleep((target / options.rampRate) * 1000);
      const seatDeadline = performance.now() + 90_000;
      while (driver.players < target * 0.95 && performance.now() < seatDeadline) {
        if (!driver.alive) throw new Error(`the driver died:\n${driver.log()}`);
        await sleep(500);
      }
      log(`level ${target}: ${driver.players} seated; settling for ${options.settleSeconds} s`);
      const samples: number[] = [];
      const cpuBefore = cpuModesOf(server.pid);
      const settleStart = performance.now();
      const settleEnd = performance.now() + options.settleSeconds * 1000;
      while (performance.now() < settleEnd) {
        samples.push(rssBytes(server.pid) ?? 0);
        await sleep(1000);
      }
      const last = samples.slice(-10);
      const cpuAfter = cpuModesOf(server.pid);
      const settleSeconds = (performance.now() - settleStart) / 1000;
      const h = await health(server);
      const level: MemoryLevel = {
        target,
        players: h?.clients ?? 0,
        rooms: h?.rooms ?? 0,
        seated: driver.players,
        idleRssBytes: idle,
        secondsSinceStart: round1((performance.now() - startedAt) / 1000),
        status: procKb(`/proc/${server.pid}/status`, ["VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM", "VmData"]),
        smaps: procKb(`/proc/${server.pid}/smaps_rollup`),
        serverCpuPercent: cpuBefore && cpuAfter && settleSeconds > 0 ? round1((100 * (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system)) / settleSeconds) : null,
        meanRssBytes: last.length ? last.reduce((a, b) => a + b, 0) / last.length : 0,
        v8: await v8Memory(server, token),
        v8AfterSnapshot: null,
        kernelSockets: socketMemory(server.port),
        snapshot: null,
        driverErrors: 0,
        driverErrorKinds: {},
      };
      const report = await driver.report();
      level.driverErrors = report.metrics.counters.errors;
      level.driverErrorKinds = report.metrics.errorKinds;
      log(`level ${target}: ${level.players} players in ${level.rooms} rooms, RSS ${round1((level.status.VmRSS ?? 0) / MB)} MB, heap ${round1(level.v8.heapUsed / MB)}/${round1(level.v8.heapTotal / MB)} MB, external ${round1(level.v8.external / MB)} MB`);
      if (options.snapshot) {
        log(`level ${target}: heap snapshot (SIGPWR; the server stops answering while it writes)`);
        const shot = await takeSnapshot(server, snapshotDir);
        if (!shot) throw new Error("no heap snapshot within 300 s");
        level.v8AfterSnapshot = await v8Memory(server, token);
        log(`level ${target}: snapshot written in ${shot.seconds.toFixed(1)} s; parsing`);
        level.snapshot = summariseSnapshot(shot.file, shot.seconds);
        if (!options.keepSnapshots) rmSync(shot.file);
      }
      return level;
    } finally {
      await driver.stop();
    }
  } finally {
    await server.stop();
  }
}

// ---- the table ------------------------------------------------------------------------------

export interface MemoryRow {
  what: string;
  low: number;
  high: number;
  /** (high - low) / players added, KB */
  kbPerPlayer: number;
}

/** Where each added player's memory goes, between the first and the last level. */
export function memoryRows(low: MemoryLevel, high: MemoryLevel): MemoryRow[] {
  const added = high.players - low.players;
  const row = (what: string, a: number, b: number): MemoryRow => ({ what, low: a, high: b, kbPerPlayer: added > 0 ? round1((b - a) / 1024 / added) : Number.NaN });
  const outside = (l: MemoryLevel) => (l.status.VmRSS ?? 0) - l.v8.heapTotal - l.v8.external;
  const rows: MemoryRow[] = [
    row("RSS (VmRSS) when measured", low.status.VmRSS ?? 0, high.status.VmRSS ?? 0),
    row("  anonymous (RssAnon)", low.status.RssAnon ?? 0, high.status.RssAnon ?? 0),
    row("  file-backed (RssFile: node, its libraries)", low.status.RssFile ?? 0, high.status.RssFile ?? 0),
    row("RSS, mean of the last 10 s", low.meanRssBytes, high.meanRssBytes),
    row("V8 heap, committed (heap total)", low.v8.heapTotal, high.v8.heapTotal),
  ];
  for (const space of Object.keys(high.v8.spaces)) {
    const a = low.v8.spaces[space] ?? { total: 0, used: 0 };
    const b = high.v8.spaces[space];
    if (Math.max(a.total, b.total) < 1 * MB) continue;
    rows.push(row(`  ${space}: committed (of it used ${round1(a.used / MB)} / ${round1(b.used / MB)} MB)`, a.total, b.total));
  }
  rows.push(row("  V8 heap used (live + garbage not yet collected)", low.v8.heapUsed, high.v8.heapUsed));
  if (low.v8AfterSnapshot && high.v8AfterSnapshot) rows.push(row("  V8 heap used after a full GC (the snapshot's)", low.v8AfterSnapshot.heapUsed, high.v8AfterSnapshot.heapUsed));
  rows.push(row("external (ArrayBuffer backing stores and other memory V8 is told of)", low.v8.external, high.v8.external));
  rows.push(row("RSS outside the V8 heap and external (malloc: libuv, V8's own tables, allocator slack; code)", outside(low), outside(high)));
  if (low.kernelSockets && high.kernelSockets) rows.push(row("kernel socket memory of the server's connections (not in RSS)", low.kernelSockets.bytes, high.kernelSockets.bytes));
  if (low.snapshot && high.snapshot) {
    rows.push(row("heap snapshot: live self size, every node (after a full GC)", low.snapshot.totalSelfBytes, high.snapshot.totalSelfBytes));
    for (const c of CATEGORIES) {
      const a = low.snapshot.categories[c]?.bytes ?? 0;
      const b = high.snapshot.categories[c]?.bytes ?? 0;
      if (Math.max(a, b) >= 64 * 1024) rows.push(row(`  ${c}`, a, b));
    }
  }
  return rows;
}

/** The 25 snapshot entries (objects by constructor, native entries by name, other node types whole) that grew most per added player. */
export function topGrowth(low: MemoryLevel, high: MemoryLevel, top = 25) {
  if (!low.snapshot || !high.snapshot) return [];
  const added = high.players - low.players;
  const keys = new Set([...Object.keys(low.snapshot.byName), ...Object.keys(high.snapshot.byName)]);
  return [...keys]
    .map((key) => {
      const a = low.snapshot!.byName[key] ?? { count: 0, bytes: 0 };
      const b = high.snapshot!.byName[key] ?? { count: 0, bytes: 0 };
      return { key, countLow: a.count, countHigh: b.count, perPlayerCount: round1((b.count - a.count) / added), bytesHigh: b.bytes, kbPerPlayer: round1((b.bytes - a.bytes) / 1024 / added) };
    })
    .sort((x, y) => y.kbPerPlayer - x.kbPerPlayer)
    .slice(0, top);
}

const mb = (b: number) => (b / MB).toFixed(1);

export function memoryTable(record: MemoryRecord): string {
  const [low, high] = [record.levels[0], record.levels[record.levels.length - 1]];
  const rows = memoryRows(low, high);
  const lines = [
    `| where the memory is (${record.label}) | ${low.players} players, MB | ${high.players} players, MB | KB per added player |`,
    "| --- | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.what.replace(/^ +/, (s) => "&nbsp;".repeat(s.length * 2))} | ${mb(r.low)} | ${mb(r.high)} | ${Number.isNaN(r.kbPerPlayer) ? "-" : r.kbPerPlayer.toFixed(1)} |`),
  ];
  const growth = topGrowth(low, high);
  if (growth.length) {
    lines.push("", `| heap snapshot entry (type: constructor) | count at ${low.players} | count at ${high.players} | per added player | MB at ${high.players} | KB per added player |`, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (const g of growth) lines.push(`| ${g.key.replace(/\|/g, "\\|")} | ${g.countLow} | ${g.countHigh} | ${g.perPlayerCount} | ${mb(g.bytesHigh)} | ${g.kbPerPlayer.toFixed(1)} |`);
  }
  return lines.join("\n");
}

export interface MemoryRecord {
  startedAt: string;
  label: string;
  machine: ReturnType<typeof machine>;
  source: { commit: string | null; uncommittedSrc: string[] };
  settings: MemoryOptions & { warmUp: typeof WARM_UP; pinned: ReturnType<typeof pinning>; serverStart: string };
  levels: MemoryLevel[];
  /** (RSS at the last level - RSS at the first) / players added */
  rssKBPerPlayer: number;
  rows: MemoryRow[];
  top: ReturnType<typeof topGrowth>;
}

function sourceVersion(): MemoryRecord["source"] {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--", "src", "arena.config.ts", "package.json"], { encoding: "utf8" });
    return { commit, uncommittedSrc: status.split("\n").filter(Boolean).map((l) => l.slice(3)) };
  } catch {
    return { commit: null, uncommittedSrc: [] };
  }
}

export async function runMemory(options: MemoryOptions): Promise<MemoryRecord> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const pin = pinning();
  const snapshotDir = path.resolve(options.resultsDir, "profiles", `memory-${stamp}`);
  mkdirSync(snapshotDir, { recursive: true });
  const source = sourceVersion();
  log(`${options.label}: levels ${options.levels.join(", ")}, think ${options.thinkMs} ms, settle ${options.settleSeconds} s${pin ? "; server on CPU 0, driver on CPU 1" : "; not pinned"}; commit ${source.commit}, uncommitted: ${source.uncommittedSrc.join(", ") || "none"}`);
  const levels: MemoryLevel[] = [];
  for (const target of options.levels) {
    if (options.quietWaitSeconds > 0) await quietMachine(options.quietWaitSeconds, log);
    levels.push(await runLevel(target, options, pin, snapshotDir));
  }
  if (!options.keepSnapshots) rmSync(snapshotDir, { recursive: true, force: true });
  const [low, high] = [levels[0], levels[levels.length - 1]];
  const record: MemoryRecord = {
    startedAt: stamp,
    label: options.label,
    machine: machine(),
    source,
    settings: { ...options, warmUp: WARM_UP, pinned: pin, serverStart: `node ${options.nodeArgs.join(" ")} --import tsx src/index.ts (NODE_ENV=production, in-memory store, player tokens off, a fresh process per level)`.replace(/ {2,}/g, " ") },
    levels,
    rssKBPerPlayer: round1(((high.status.VmRSS ?? 0) - (low.status.VmRSS ?? 0)) / 1024 / (high.players - low.players)),
    rows: memoryRows(low, high),
    top: topGrowth(low, high),
  };
  mkdirSync(options.resultsDir, { recursive: true });
  const json = path.join(options.resultsDir, `${stamp}-memory.json`);
  const md = path.join(options.resultsDir, `memory-${stamp}.md`);
  writeFileSync(json, `${JSON.stringify(record, null, 2)}\n`);
  const m = record.machine;
  const heading = [
    `# Where the memory per player goes: ${record.label} (${stamp})`,
    "",
    `Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGB} GB RAM, ${m.os}, kernel ${m.kernel}, Node ${m.node}. Commit ${source.commit}; uncommitted under src/: ${source.uncommittedSrc.join(", ") || "none"}.`,
    `Server: ${record.settings.serverStart}${pin ? ", pinned to CPU 0, the driver on CPU 1" : ""}. Levels ${options.levels.join(", ")} (rooms of five, think ${options.thinkMs} ms), measured ${options.settleSeconds} s after the players were seated. Environment added: ${JSON.stringify(options.env)}.`,
    "",
    `RSS per added player: **${record.rssKBPerPlayer} KB** (${low.players} -> ${high.players} players; idle RSS of the two processes ${mb(low.idleRssBytes)} and ${mb(high.idleRssBytes)} MB). Server CPU over the settle time: ${levels.map((l) => `${l.serverCpuPercent ?? "-"}% at ${l.players}`).join(", ")} (of one core).`,
    "",
  ].join("\n");
  const table = memoryTable(record);
  writeFileSync(md, `${heading}\n${table}\n`);
  console.log(`\n${heading}\n${table}\n\nwritten: ${json}, ${md}`);
  return record;
}

export async function runMemoryCli(argv: string[]) {
  const options = parseMemoryArgs(argv);
  if (!options) return console.log(MEMORY_HELP);
  await runMemory(options);
}

function killEverything() {
  killAllDrivers();
  killAllServers();
}
process.on("exit", killEverything);

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      killEverything();
      process.exit(130);
    });
  }
  try {
    await runMemoryCli(process.argv.slice(2));
    process.exit(0);
  } catch (e) {
    killEverything();
    if (e instanceof UsageError || String((e as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(e as Error).message}\n\n${MEMORY_HELP}`);
      process.exit(2);
    }
    console.error(e);
    process.exit(1);
  }
}
