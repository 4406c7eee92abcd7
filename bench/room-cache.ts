/**
 * What one quick play costs the room cache: `findOne` as `findOneRoomAvailable` calls it (`locked:
 * false, private: false, name`), with many locked rooms (started games) and a few open ones in
 * Redis, through the plain @colyseus/redis-driver and through src/rooms/openRoomsDriver.ts.
 *
 *   npx tsx bench/room-cache.ts [--locked 3000] [--open 20] [--calls 300] [--redis redis://127.0.0.1:6379/9]
 *
 * The listings are written through OpenRoomsDriver (so its index holds the open ones) into the
 * given database, and removed again at the end (its `roomcaches*` keys only). Calls are sequential:
 * the latency of one, the CPU it costs this Node process, and Redis's own time in the commands.
 */
import { parseArgs } from "node:util";
import { type IRoomCache, initializeRoomCache } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { Redis } from "ioredis";
import { OpenRoomsDriver } from "../src/rooms/openRoomsDriver.ts";
import { machine } from "./system.ts";

const { values: args } = parseArgs({
  options: {
    locked: { type: "string", default: "3000" },
    open: { type: "string", default: "20" },
    calls: { type: "string", default: "300" },
    redis: { type: "string", default: "redis://127.0.0.1:6379/9" },
  },
});
const LOCKED = Number(args.locked);
const OPEN = Number(args.open);
const CALLS = Number(args.calls);
const QUICK_PLAY = { locked: false, name: "game", private: false };

/** A listing shaped like the game room's (join code, phase, host name in its metadata). */
function listing(n: number): IRoomCache {
  const open = n < OPEN;
  return initializeRoomCache({
    name: "game",
    roomId: `bench${n}`,
    processId: n % 2 ? "processA" : "processB",
    publicAddress: "127.0.0.1:2567",
    clients: 2,
    maxClients: 4,
    locked: !open,
    metadata: { code: String(100000 + n), phase: open ? "lobby" : "playing", hostName: `Host ${n}` },
  });
}

/** Microseconds Redis spent in each command so far (INFO commandstats). */
async function redisMicros(client: Redis): Promise<number> {
  const info = await client.info("commandstats");
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_\w+:.*?usec=(\d+)/gm)) total += Number(match[1]);
  return total;
}

interface Timing {
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  nodeCpuMs: number;
  redisMs: number;
}

async function time(driver: RedisDriver, stats: Redis): Promise<Timing> {
  for (let i = 0; i < 20; i++) await driver.findOne(QUICK_PLAY, {});
  const latencies: number[] = [];
  const redisBefore = await redisMicros(stats);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    const room = await driver.findOne(QUICK_PLAY, {});
    if (!room || room.locked) throw new Error("quick play found no open room");
    latencies.push(performance.now() - t);
  }
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  // the INFO call itself is counted too: one per run, negligible against CALLS calls
  const redisMs = (await redisMicros(stats)) - redisBefore;
  latencies.sort((a, b) => a - b);
  return {
    meanMs: wall / CALLS,
    p50Ms: latencies[Math.floor(CALLS / 2)],
    p99Ms: latencies[Math.floor(CALLS * 0.99)],
    nodeCpuMs: (cpu.user + cpu.system) / 1000 / CALLS,
    redisMs: redisMs / 1000 / CALLS,
  };
}

const line = (label: string, t: Timing) =>
  `${label.padEnd(16)} mean ${t.meanMs.toFixed(3)} ms, p50 ${t.p50Ms.toFixed(3)} ms, p99 ${t.p99Ms.toFixed(3)} ms; per call: Node CPU ${t.nodeCpuMs.toFixed(3)} ms, Redis ${t.redisMs.toFixed(3)} ms`;

const ours = new OpenRoomsDriver(args.redis);
const plain = new RedisDriver(args.redis);
const stats = new Redis(args.redis);
try {
  await ours.clear();
  for (let n = 0; n < LOCKED + OPEN; n++) await ours.persist(listing(n), true);
  const m = machine();
  console.log(`${m.cpuModel}, ${m.cores} cores, Node ${m.node}; ${LOCKED} locked + ${OPEN} open rooms, ${CALLS} sequential quick-play findOne each`);
  for (let round = 0; round < 2; round++) {
    console.log(line("RedisDriver", await time(plain, stats)));
    console.log(line("OpenRoomsDriver", await time(ours, stats)));
  }
} finally {
  await ours.clear();
  await Promise.all([ours.shutdown(), plain.shutdown()]);
  stats.disconnect();
}
