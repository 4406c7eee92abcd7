/**
 * The start as a user and a supervisor meet it: `npm start` and its signals, `.env` files, the Node
 * version check, and settings that cannot work together. Real processes, real ports.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ColyseusSDK } from "@colyseus/sdk";
import { CloseCode } from "@colyseus/core";
import { freePort } from "./helpers/net.ts";
import { until } from "./helpers/wait.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const ENTRY = path.join(ROOT, "src", "index.ts");
/** tsx by absolute URL, so a start from another working directory still finds it. */
const TSX = pathToFileURL(path.join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Started {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  // the parent's own settings must not leak into the start under test
  for (const name of ["PORT", "MONITOR_PASSWORD", "MONITOR_USER", "MYSQL_URL", "REDIS_URL", "PUBLIC_ADDRESS"]) {
    if (!options.env || !(name in options.env)) delete env[name];
  }
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health`)).ok;
  } catch {
    return false;
  }
}

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The pids of a process's whole tree (Linux /proc), so a test can tell that none is left behind. */
function descendants(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  const children = readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  return children.flatMap((c) => [c, ...descendants(c)]);
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));

async function waitForListening(started: Started, port: number) {
  await until(async () => {
    if (started.child.exitCode !== null) throw new Error(`the start exited with ${started.child.exitCode}:\n${started.output()}`);
    return answers(port);
  }, `the server to answer on port ${port}`, 30_000);
}

describe("npm start under a supervisor's signals", function () {
  this.timeout(60_000);

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`stops the server gracefully when the process npm start created gets ${signal}, and leaves nothing on the port`, async function () {
      if (process.platform !== "linux") this.skip();
      const port = await freePort();
      const started = launch("npm", ["start", "--silent"], { env: { PORT: String(port) } });
      try {
        await waitForListening(started, port);
        const tree = descendants(started.child.pid!);
        assert.ok(tree.length > 0, "npm start runs the server as a child process");

        const room = await new ColyseusSDK(`ws://127.0.0.1:${port}`).create("game", { name: "Ann" });
        room.reconnection.enabled = false;
        room.onMessage("history", () => {});
        const left = new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));

        started.child.kill(signal);
        // a graceful stop tells connected players the server is shutting down (a crash would be 1006)
        assert.equal(await left, CloseCode.SERVER_SHUTDOWN);
        const { code } = await started.exited;
        assert.equal(code, 0, started.output());
        await until(() => tree.every((pid) => !alive(pid)), "every process of the start to be gone", 10_000);
        assert.equal(await portAcceptsConnections(port), false, `port ${port} is still taken`);
      } finally {
        for (const pid of descendants(started.child.pid!)) process.kill(pid, "SIGKILL");
        started.child.kill("SIGKILL");
      }
    });
  }
});

describe("the start's settings from .env files", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "boardroom-start-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("listens on the PORT of .env and serves the monitor with its MONITOR_PASSWORD, without a note about missing files", async () => {
    const port = await freePort();
    writeFileSync(path.join(dir, ".env"), `PORT=${port}\nMONITOR_PASSWORD=secret\n`);
    writeFileSync(path.join(dir, ".env.test"), "MONITOR_USER=ops\n");
    const started = launch(process.execPath, ["--import", TSX, ENTRY], { cwd: dir, env: { NODE_ENV: "test" } });
    try {
      await waitForListening(started, port);
      assert.equal((await fetch(`http://127.0.0.1:${port}/monitor/`)).status, 401);
      const auth = `Basic ${Buffer.from("ops:secret").toString("base64")}`;
      assert.equal((await fetch(`http://127.0.0.1:${port}/monitor/`, { headers: { authorization: auth } })).status, 200);
      assert.match(started.output(), /settings: read \.env\.test and \.env/);
      assert.doesNotMatch(started.output(), /optional \.env file not found|\.env loaded/);
    } finally {
      started.child.kill("SIGKILL");
    }
  });

  it("lets the environment win over .env", async () => {
    const [filePort, envPort] = [await freePort(), await freePort()];
    writeFileSync(path.join(dir, ".env"), `PORT=${filePort}\n`);
    const started = launch(process.execPath, ["--import", TSX, ENTRY], { cwd: dir, env: { PORT: String(envPort) } });
    try {
      await waitForListening(started, envPort);
      assert.equal(await answers(filePort), false);
    } finally {
      started.child.kill("SIGKILL");
    }
  });

  it("prints nothing about .env files when there are none", async () => {
    const port = await freePort();
    const started = launch(process.execPath, ["--import", TSX, ENTRY], { cwd: dir, env: { PORT: String(port) } });
    try {
      await waitForListening(started, port);
      assert.doesNotMatch(started.output(), /\.env/);
    } finally {
      started.child.kill("SIGKILL");
    }
  });
});

describe("the start's store line", function () {
  this.timeout(60_000);

  it("says without MYSQL_URL that join codes and games live in this process only and end with it", async () => {
    const port = await freePort();
    const started = launch(process.execPath, ["--import", "tsx", "src/index.ts"], { env: { PORT: String(port) } });
    try {
      await waitForListening(started, port);
      assert.match(started.output(), /store: in-memory \(MYSQL_URL is unset: join codes and games live in this process only and end with it\)/);
    } finally {
      started.child.kill("SIGKILL");
    }
  });
});

describe("settings that cannot work", function () {
  this.timeout(30_000);

  it("stops a start with REDIS_URL but no PUBLIC_ADDRESS with one line naming PUBLIC_ADDRESS", async () => {
    const started = launch(process.execPath, ["--import", "tsx", "src/index.ts"], { env: { REDIS_URL: "redis://127.0.0.1:6379" } });
    const { code } = await started.exited;
    assert.equal(code, 1);
    const lines = started.output().trim().split("\n");
    assert.equal(lines.length, 1, started.output());
    assert.match(lines[0], /^Invalid configuration: PUBLIC_ADDRESS must be set with REDIS_URL/);
  });
});

/** A Node older than 22 on the machine's PATH (outside the project's node_modules), if there is one. */
function olderNode(): { path: string; version: string } | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = path.join(dir, "node");
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
    if (Number(/^v(\d+)\./.exec(version)?.[1]) < 22) return { path: candidate, version };
  }
  return null;
}

describe("a start on an unsupported Node", function () {
  this.timeout(30_000);

  it("stops with one line saying that Node 22 is needed and how to get it", async function () {
    const node = olderNode();
    if (!node) {
      console.log("      skipped: no Node older than 22 on PATH to start with");
      return this.skip();
    }
    const started = launch(node.path, ["--import", TSX, ENTRY]);
    const { code } = await started.exited;
    assert.equal(code, 1);
    const lines = started.output().trim().split("\n");
    assert.equal(lines.length, 1, started.output());
    assert.match(lines[0], new RegExp(`needs Node\\.js 22 or newer, but this is Node ${node.version.slice(1).replaceAll(".", "\\.")}`));
    assert.match(lines[0], /npm start/);
  });
});
