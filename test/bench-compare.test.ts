/**
 * bench --compare end to end at a tiny size: our server, the hand-written Socket.IO server and the
 * raw ws one each answer the same light driver, and the JSON has every column of the comparison
 * for every server, so the mode cannot rot unnoticed; ours again with rooms of 2 players + 3
 * spectators, which the server's own listing must show. Timings are measured, never asserted.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { LEVEL_COLUMNS, ROOM_SIZE, SPECTATORS_PER_ROOM, type CompareLevel, type CompareServer } from "../bench/compare.ts";
import { MYSQL_ADMIN_URL, REQUIRE_MYSQL, mysqlUnavailableReason } from "./helpers/mysql.ts";

const run = promisify(execFile);

describe("bench --compare", function () {
  this.timeout(180_000);
  let dir: string;
  let record: { machine: { cores: number }; source: { commit: string | null }; settings: { thinkMs: number }; servers: CompareServer[] };
  let output: string;
  // ours with the MySQL store too, where a MySQL server answers (the bench makes and drops a scratch database on it)
  let expected = ["ours", "ours-spectators", "socketio", "ws"];

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "bench-compare-"));
    const noMysql = await mysqlUnavailableReason();
    if (noMysql && REQUIRE_MYSQL) throw new Error(noMysql);
    if (!noMysql) expected = ["ours", "ours-mysql", "ours-spectators", "socketio", "ws"];
    const args = ["--import", "tsx", "bench/run.ts", "--compare", "--peers", expected.slice(1).join(","), "--levels", "5,10", "--level-seconds", "3", "--warmup-seconds", "0", "--think-ms", "200", "--quiet-wait-seconds", "0", "--max-minutes", "3", "--results-dir", dir];
    const done = await run(process.execPath, args, { env: { ...process.env, MYSQL_URL: noMysql ? "" : MYSQL_ADMIN_URL, DOTENV_CONFIG_QUIET: "true" }, maxBuffer: 10 * 1024 * 1024 });
    output = done.stdout;
    record = JSON.parse(readFileSync(path.join(dir, "latest-compare-peers.json"), "utf8"));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs our server (with the MySQL store too where MySQL answers, and with spectators) and both peers, one after the other, and records the machine and the commit", () => {
    assert.deepEqual(
      record.servers.map((s) => s.server),
      expected,
    );
    assert.ok(record.machine.cores >= 1);
    assert.ok("commit" in record.source);
    assert.equal(record.settings.thinkMs, 200);
  });

  it("has every column of the table for every server at every level", () => {
    for (const server of record.servers) {
      assert.equal(server.failure, null, `${server.server}: ${server.failure}`);
      // ours and ours-spectators run as a pair, A B B A: two windows of each level each
      const paired = server.server === "ours" || server.server === "ours-spectators";
      assert.deepEqual(
        server.levels.map((l) => l.target),
        paired ? [5, 5, 10, 10] : [5, 10],
        server.server,
      );
      assert.equal(typeof server.idleRssMB, "number");
      assert.equal(typeof server.rssSlopeKBPerPlayer, "number", `${server.server}: the RSS slope over the levels`);
      for (const level of server.levels) {
        for (const column of LEVEL_COLUMNS) {
          const value = level[column] as unknown;
          if (column === "ackMs" || column === "allMembersMs") {
            const { p50, p99 } = value as CompareLevel["ackMs"];
            assert.ok(typeof p50 === "number" && typeof p99 === "number", `${server.server} at ${level.target}: ${column} ${JSON.stringify(value)}`);
          } else if (column === "driverLimited") {
            assert.equal(typeof value, "boolean");
          } else {
            assert.equal(typeof value, "number", `${server.server} at ${level.target}: ${column} is ${JSON.stringify(value)}`);
          }
        }
      }
    }
  });

  it("gets every server to seat the driver's players and answer their moves without an error", () => {
    for (const server of record.servers) {
      for (const level of server.levels) {
        const where = `${server.server} at ${level.target}: ${JSON.stringify(level.errorKinds)} ${level.errorSamples.join("; ")}`;
        assert.equal(level.errors, 0, where);
        assert.ok(level.players > 0, where);
        assert.ok(level.actions > 0, where);
        assert.ok(level.latency.stateAllMembers.count > 0, where);
      }
    }
  });

  it("prints the comparison table", () => {
    assert.match(output, /\| server +\| players \| think ms \| actions\/s \|/);
    for (const name of expected) assert.match(output, new RegExp(`^\\| ${name} +\\|`, "m"));
  });

  it("plays ours-spectators' rooms with 2 players and 3 spectators, as the server lists them, and ours' with 5 players", () => {
    const listed = (name: string) => record.servers.find((s) => s.server === name)!.levels;
    for (const [name, players, spectators] of [
      ["ours", ROOM_SIZE, 0],
      ["ours-spectators", ROOM_SIZE - SPECTATORS_PER_ROOM, SPECTATORS_PER_ROOM],
    ] as const) {
      for (const level of listed(name)) {
        const where = `${name} at ${level.target}: ${JSON.stringify(level.listing)}`;
        assert.ok(level.listing && level.listing.rooms === level.target / ROOM_SIZE, where);
        assert.equal(level.listing.players, players * level.listing.rooms, where);
        assert.equal(level.listing.spectators, spectators * level.listing.rooms, where);
        // the same connections either way: spectators are clients of the server like players
        assert.equal(level.players, level.target, where);
        assert.equal(typeof level.cpuPerConnectionUs, "number", where);
      }
    }
    assert.match(output, /rooms of 5 players against rooms of 2 players \+ 3 spectators/);
    // each server's two windows of a level (A B B A), and the ratio of their means
    assert.match(output, /^\| +\d+ \| 2 players \+ 3 spectators \(window 2\) +\|/m);
    assert.match(output, /^\| +\| ratio of the means +\|/m);
  });
});
