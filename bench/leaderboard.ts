/**
 * The leaderboard's cost on MySQL: `npm exec -- tsx bench/leaderboard.ts [--matches 20000] [--requests 20]`.
 * Makes a throwaway database (MYSQL_BENCH_URL, default mysql://root@127.0.0.1:3306/test) holding
 * `matches` finished matches of four players (2,000 names, half of the players with an identity,
 * ended over the last 60 days), boots the real server on it, and times GET /leaderboard for each
 * period and GET /players/:name/matches: `requests` requests sent at once, then `requests` one
 * after the other, first with no answer kept (LEADERBOARD_CACHE_SECONDS 0: the reference) and then
 * with the default 5 s, in the same run. Prints one line per measurement; drops the database at the
 * end (unless --keep). Not shipped.
 */
import { randomBytes } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { boot } from "@colyseus/testing";
import mysql from "mysql2/promise";
import { createServerConfig } from "../arena.config.ts";
import { loadSettings } from "../src/config.ts";
import { MySqlStore } from "../src/store/mysql/index.ts";
import { freePort } from "../test/helpers/net.ts";

const { values } = parseArgs({ options: { matches: { type: "string", default: "20000" }, requests: { type: "string", default: "20" }, keep: { type: "boolean", default: false } } });
const MATCHES = Number(values.matches);
const REQUESTS = Number(values.requests);
const ADMIN_URL = process.env.MYSQL_BENCH_URL ?? "mysql://root@127.0.0.1:3306/test";
const DAY = 24 * 60 * 60 * 1000;

async function fill(url: string) {
  const store = new MySqlStore({ url, staleProcessSeconds: 30 });
  await store.init();
  await store.close();
  const conn = await mysql.createConnection({ uri: url });
  const now = Date.now();
  // a fixed sequence, so every run holds the same matches
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let first = 1; first <= MATCHES; first += 1000) {
    const matches: unknown[][] = [];
    const players: unknown[][] = [];
    for (let id = first; id < Math.min(first + 1000, MATCHES + 1); id++) {
      const ended = new Date(now - random() * 60 * DAY);
      matches.push([id, `bench-${id}`, `room-${id}`, String(100000 + (id % 900000)), id, new Date(ended.getTime() - 3600_000), ended, 20, "round_limit", "p"]);
      const worths = [0, 1, 2, 3].map(() => Math.floor(random() * 5000)).sort((a, b) => b - a);
      for (let seat = 0; seat < 4; seat++) {
        const player = Math.floor(random() * 2000);
        players.push([id, seat, `Player ${player}`, worths[seat], worths[seat], false, null, seat + 1, player % 2 === 0 ? `acct:${player}` : null]);
      }
    }
    await conn.query(
      "INSERT INTO matches (id, match_key, room_id, code, seed, started_at, ended_at, rounds, end_reason, winner_name) VALUES ?",
      [matches],
    );
    await conn.query(
      "INSERT INTO match_players (match_id, seat, name, final_money, net_worth, bankrupt, bankrupt_order, rank_in_match, player_identity) VALUES ?",
      [players],
    );
  }
  await conn.query("ANALYZE TABLE matches, match_players");
  await conn.end();
}

const ms = (t: number) => `${Math.round(t)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const name = `boardroom_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = await mysql.createConnection({ uri: ADMIN_URL });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    await fill(url.toString());
    console.log(`${MATCHES} matches, ${MATCHES * 4} player rows; ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    // the reference in the same run: no answer kept (LEADERBOARD_CACHE_SECONDS 0), then the default
    for (const cacheSeconds of ["0", "5"]) await measure(url.toString(), cacheSeconds);
  } finally {
    if (values.keep) console.log(`kept database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

/** A server on the filled database with this cache time, and the requests timed against it. */
async function measure(url: string, cacheSeconds: string) {
    const port = await freePort();
    const settings = { ...loadSettings({ NODE_ENV: "test", MYSQL_URL: url, STORE_HOLD_SECONDS: "30", LEADERBOARD_CACHE_SECONDS: cacheSeconds }), port };
    const { config, parts } = createServerConfig(settings, { log: () => {} });
    const server = await boot(config, port);
    try {
      const get = async (path: string) => {
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        return performance.now() - started;
      };
      console.log("leaderboard" in parts ? `LEADERBOARD_CACHE_SECONDS ${settings.leaderboardCacheSeconds}` : "no leaderboard cache (before it)");
      for (const path of ["/leaderboard?period=all", "/leaderboard?period=week", "/leaderboard?period=day", "/players/Player%202/matches"]) {
        // at once first, while nothing is kept: with the cache they share one query
        const started = performance.now();
        await Promise.all(Array.from({ length: REQUESTS }, () => get(path)));
        const together = performance.now() - started;
        const one: number[] = [];
        for (let i = 0; i < REQUESTS; i++) one.push(await get(path));
        console.log(
          `${path}: ${REQUESTS} at once: ${ms(together)}; then ${REQUESTS} in a row: first ${ms(one[0])}, median ${ms(median(one))}, max ${ms(Math.max(...one))}, total ${ms(one.reduce((a, b) => a + b, 0))}`,
        );
      }
    } finally {
      await server.shutdown();
      await parts.housekeeping.stop();
    }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
