/**
 * ecosystem.config.cjs under a real PM2 (the dev dependency, on this Node, in a throwaway PM2_HOME):
 * two instances on MySQL and Redis, then `pm2 reload` while TCP connects, HTTP requests and
 * matchmaking hit both ports.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { CLOSE_REJOIN } from "../src/messages/contract.ts";
import { observe, PlayerSDK, type Observed } from "./helpers/players.ts";
import { ColyseusSDK, type Room } from "@colyseus/sdk";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { freePort } from "./helpers/net.ts";
import { REDIS_TEST_URL, requireRedis } from "./helpers/redis.ts";
import { getJson, until } from "./helpers/wait.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PM2_BIN = path.join(ROOT, "node_modules/pm2/bin/pm2");
/** A database of its own on the specs' Redis server (the scale-out specs flush 13). */
const REDIS_URL = Object.assign(new URL(REDIS_TEST_URL), { pathname: "/12" }).toString();

/** The pm2 CLI with its own PM2_HOME; `node` on PATH is this Node, so the daemon and its workers run on it too. */
function pm2(home: string, env: Record<string, string>, args: string[], timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PM2_BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, PM2_HOME: home, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`pm2 ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/** PORT such that PORT and PORT + 1 are both free: the two instances listen there. */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 65535 && (await portIsFree(port + 1))) return port;
  }
}

async function flushOwnRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}

/** What went wrong, as a short key: the socket error code, or the message. */
function failureOf(e: any): string {
  return e?.cause?.code ?? e?.code ?? e?.message ?? String(e);
}

/** GET /health on a connection of its own, so every request is a new connect to the port. */
function healthOnFreshConnection(port: number): Promise<{ status: number; processId: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/health", agent: false, headers: { connection: "close" }, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode!, processId: JSON.parse(body).processId });
        } catch (e) {
          reject(e);
        }
      });
      res.on("error", reject);
    });
    req.once("error", reject);
    req.once("timeout", () => req.destroy(new Error("timeout")));
  });
}

function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", reject);
  });
}

/** Outcomes counted by kind, e.g. "ok", "ECONNREFUSED", "503". */
class Tally {
  readonly counts = new Map<string, number>();
  add(kind: string) {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }
  get(kind: string) {
    return this.counts.get(kind) ?? 0;
  }
  total() {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }
  toString() {
    return JSON.stringify(Object.fromEntries(this.counts));
  }
}

/** An SDK whose rooms take every message (the `history` sent on join among them) without a warning. */
class QuietSDK extends ColyseusSDK {
  protected override createRoom(roomName: string, rootSchema?: any): Room<any, any> {
    const room = super.createRoom(roomName, rootSchema);
    room.onMessage("*", () => {});
    return room;
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("PM2: ecosystem.config.cjs with two instances", () => {
  let db: TestDatabase;
  let home = "";
  let port = 0;
  let env: Record<string, string> = {};
  const ports = () => [port, port + 1];
  const health = (p: number) => getJson(`http://127.0.0.1:${p}/health`);
  const jlist = async (): Promise<any[]> => JSON.parse(await pm2(home, env, ["jlist"]));

  before(async function () {
    this.timeout(60_000);
    await requireMysql(this);
    await requireRedis(this);
    db = await createTestDatabase();
    await flushOwnRedis();
    home = await mkdtemp(path.join(os.tmpdir(), "boardroom-pm2-"));
    port = await twoFreePorts();
    env = { INSTANCES: "2", PORT: String(port), MYSQL_URL: db.url, REDIS_URL, PUBLIC_ADDRESS: "127.0.0.1:{port}" };
    await pm2(home, env, ["start", "ecosystem.config.cjs"]);
    for (const p of ports()) {
      await until(async () => (await health(p).catch(() => null))?.status === 200, `the instance on port ${p} to answer /health`, 45_000);
    }
  });

  after(async function () {
    this.timeout(30_000);
    if (home) {
      await pm2(home, env, ["kill"]).catch((e) => console.log(`      pm2 kill: ${e.message}`));
      await rm(home, { recursive: true, force: true });
    }
    await db?.drop();
    await flushOwnRedis().catch(() => {});
  });

  it("starts one instance on PORT and one on PORT + 1, each advertising its own port in seat reservations", async () => {
    const processIds = new Set<string>();
    for (const p of ports()) {
      const { body: h } = await health(p);
      processIds.add(h.processId);
      const { status, body: seat } = await getJson(`http://127.0.0.1:${p}/matchmake/create/game`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Ann" }),
      });
      assert.equal(status, 200, JSON.stringify(seat));
      assert.equal(seat.publicAddress, `127.0.0.1:${p}`);
      assert.equal(seat.processId, h.processId);
    }
    assert.equal(processIds.size, 2);
  });

  describe("pm2 reload", () => {
    const tcp = new Map<number, Tally>();
    const requests = new Map<number, Tally>();
    const matchmaking = new Map<number, Tally>();
    /** The processIds that answered /health on each port, in the order they answered (repeats in a row dropped). */
    const served = new Map<number, string[]>();
    const oldProcessIds = new Map<number, string>();
    const seated: Array<{ port: number; room: Room; closedWith: number | null; seen: Observed }> = [];

    before(async function () {
      this.timeout(120_000);
      for (const p of ports()) {
        oldProcessIds.set(p, (await health(p)).body.processId);
        served.set(p, []);
        for (const m of [tcp, requests, matchmaking]) m.set(p, new Tally());
        // a player sitting in a room on each instance: told why when its process stops
        const room = await new PlayerSDK(`ws://127.0.0.1:${p}`).create("game", { name: `Sitter ${p}` });
        room.reconnection.enabled = false;
        const sitter = { port: p, room, closedWith: null as number | null, seen: observe(room) };
        room.onLeave((code: number) => (sitter.closedWith = code));
        seated.push(sitter);
      }

      let reloading = true;
      const deadline = Date.now() + 100_000;
      const running = () => reloading && Date.now() < deadline;
      const tcpLoop = async (p: number) => {
        while (running()) {
          await tcpConnect(p).then(() => tcp.get(p)!.add("ok"), (e) => tcp.get(p)!.add(failureOf(e)));
          await pause(2);
        }
      };
      const requestLoop = async (p: number) => {
        while (running()) {
          try {
            const { status, processId } = await healthOnFreshConnection(p);
            requests.get(p)!.add(String(status));
            const seen = served.get(p)!;
            if (seen.at(-1) !== processId) seen.push(processId);
          } catch (e) {
            requests.get(p)!.add(failureOf(e));
          }
          await pause(5);
        }
      };
      const matchmakingLoop = async (p: number) => {
        const sdk = new QuietSDK(`ws://127.0.0.1:${p}`);
        while (running()) {
          try {
            const room = await within(sdk.create("game", { name: "Probe" }), 10_000, "a create and join");
            room.reconnection.enabled = false;
            matchmaking.get(p)!.add("joined");
            await room.leave().catch(() => {});
          } catch (e) {
            matchmaking.get(p)!.add(failureOf(e));
          }
          await pause(20);
        }
      };
      const traffic = ports().flatMap((p) => [tcpLoop(p), requestLoop(p), matchmakingLoop(p)]);
      try {
        await pause(300);
        await pm2(home, env, ["reload", "ecosystem.config.cjs"]);
        // a little traffic on the new processes alone
        await pause(500);
      } finally {
        reloading = false;
        await Promise.all(traffic);
      }
    });

    it("refuses no connection on either port: TCP connects, HTTP requests and matchmaking", () => {
      for (const p of ports()) {
        const summary = `port ${p}: tcp ${tcp.get(p)}, GET /health ${requests.get(p)}, matchmaking ${matchmaking.get(p)}`;
        assert.ok(tcp.get(p)!.get("ok") > 0 && requests.get(p)!.total() > 0 && matchmaking.get(p)!.get("joined") > 0, summary);
        for (const tally of [tcp, requests, matchmaking]) assert.equal(tally.get(p)!.get("ECONNREFUSED"), 0, summary);
      }
    });

    it("answers every GET /health sent on a new connection, first from the old process of the port and at last from its new one", () => {
      for (const p of ports()) {
        const tally = requests.get(p)!;
        const answered = [...tally.counts].filter(([kind]) => /^\d{3}$/.test(kind)).reduce((n, [, count]) => n + count, 0);
        assert.equal(answered, tally.total(), `port ${p}: ${tally}`);
        // while the old process stops, both take the port's connections in turn
        const seen = served.get(p)!;
        assert.equal(seen[0], oldProcessIds.get(p), `port ${p} was served by ${seen.join(", ")}`);
        assert.equal(new Set(seen).size, 2, `port ${p} was served by ${seen.join(", ")}`);
        assert.notEqual(seen.at(-1), oldProcessIds.get(p));
      }
    });

    it("brings both instances back on their own ports as new processes that matchmake, on the Node that runs PM2", async () => {
      const list = await jlist();
      assert.equal(list.length, 2);
      for (const proc of list) {
        assert.equal(proc.pm2_env.status, "online");
        assert.equal(proc.pm2_env.restart_time, 1);
        assert.equal(proc.pm2_env.node_version, process.versions.node);
      }
      const now = await Promise.all(ports().map((p) => health(p)));
      for (const [i, p] of ports().entries()) {
        assert.equal(now[i].status, 200);
        assert.notEqual(now[i].body.processId, oldProcessIds.get(p));
        assert.equal(now[i].body.processId, served.get(p)!.at(-1));
      }
      for (const p of ports()) {
        const room = await new QuietSDK(`ws://127.0.0.1:${p}`).create("game", { name: "After" });
        await room.leave();
      }
    });

    it("stops each old process gracefully: the server closes its players' connections with a code of its own, and nothing is SIGKILLed", async () => {
      // a killed process leaves 1006 (abnormal closure); a graceful stop sends SERVER_SHUTDOWN or the server's own 4xxx code
      for (const sitter of seated) {
        assert.ok(sitter.closedWith !== null && sitter.closedWith >= 4000 && sitter.closedWith < 5000, `the player on port ${sitter.port} was closed with ${sitter.closedWith}`);
      }
      const log = await readFile(path.join(home, "pm2.log"), "utf8");
      assert.doesNotMatch(log, /SIGKILL/);
      assert.equal((log.match(/-reload- New worker listening/g) ?? []).length, 2, "PM2 saw both new processes get ready");
    });
    it("moves every game: each player of an old process is told to rejoin (4100) and takes the same seat back by token on the new one", async () => {
      for (const sitter of seated) {
        assert.equal(sitter.closedWith, CLOSE_REJOIN, `the player on port ${sitter.port}`);
        const token = sitter.seen.seats.at(-1);
        assert.ok(token, "the player kept a seat token");
        const code = sitter.room.state.code;
        const answer = await within(
          (async () => {
            for (;;) {
              const r = await getJson(`http://127.0.0.1:${sitter.port}/rooms/${code}/rejoin`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ seatToken: token }),
              });
              if (r.status === 200) return r.body;
              await pause(100);
            }
          })(),
          15_000,
          "a seat back",
        );
        const back = await new PlayerSDK(`ws://127.0.0.1:${sitter.port}`).consumeSeatReservation<any>(answer.reservation);
        assert.equal(back.sessionId, sitter.room.sessionId);
        await within(
          (async () => {
            while (back.state.players?.get(back.sessionId)?.connected !== true) await pause(20);
          })(),
          5000,
          "the player connected in the restored room",
        );
        assert.equal(back.state.code, code);
        await back.leave();
      }
    });
  });
});