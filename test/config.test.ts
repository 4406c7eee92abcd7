import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError, loadEnvFiles, loadSettings } from "../src/config.ts";
import { unsupportedNode } from "../src/runtime.ts";

describe("configuration", () => {
  it("has working defaults for an empty environment", () => {
    const s = loadSettings({});
    assert.equal(s.port, 2567);
    assert.equal(s.mysqlUrl, null);
    assert.equal(s.reconnectSeconds, 30);
    assert.equal(s.monitorUser, "admin");
    assert.equal(s.monitorPassword, null);
    assert.deepEqual(s.allowedOrigins, []);
    assert.equal(s.replayLimit, 30);
    assert.equal(s.replayWindowSeconds, 60);
    assert.equal(s.leaderboardCacheSeconds, 5);
  });

  it("reads the replay limit in whole requests and seconds, and a leaderboard cache of 0 (off)", () => {
    const s = loadSettings({ REPLAY_LIMIT: "5.7", REPLAY_WINDOW_SECONDS: "1.2", LEADERBOARD_CACHE_SECONDS: "0" });
    assert.equal(s.replayLimit, 5);
    assert.equal(s.replayWindowSeconds, 2);
    assert.equal(s.leaderboardCacheSeconds, 0);
  });

  it("reads every variable", () => {
    const s = loadSettings({
      PORT: "3000",
      MYSQL_URL: "mysql://root@127.0.0.1:3306/test",
      MONITOR_USER: "ops",
      MONITOR_PASSWORD: "secret",
      ALLOWED_ORIGINS: "https://a.example, http://localhost:5173/",
      RECONNECT_SECONDS: "12.5",
    });
    assert.equal(s.port, 3000);
    assert.equal(s.mysqlUrl, "mysql://root@127.0.0.1:3306/test");
    assert.equal(s.monitorUser, "ops");
    assert.equal(s.monitorPassword, "secret");
    assert.deepEqual(s.allowedOrigins, ["https://a.example", "http://localhost:5173"]);
    assert.equal(s.reconnectSeconds, 12.5);
  });

  const bad: Array<[string, Record<string, string>]> = [
    ["PORT", { PORT: "http" }],
    ["PORT", { PORT: "70000" }],
    ["MYSQL_URL", { MYSQL_URL: "postgres://x@y/z" }],
    ["MYSQL_URL", { MYSQL_URL: "not a url" }],
    ["RECONNECT_SECONDS", { RECONNECT_SECONDS: "-1" }],
    ["RECONNECT_SECONDS", { RECONNECT_SECONDS: "soon" }],
    ["ALLOWED_ORIGINS", { ALLOWED_ORIGINS: "example.com" }],
    ["NODE_ENV", { NODE_ENV: "staging" }],
    ["REDIS_URL", { REDIS_URL: "http://127.0.0.1:6379" }],
    ["PUBLIC_ADDRESS", { REDIS_URL: "redis://127.0.0.1:6379" }],
    ["PUBLIC_ADDRESS", { PUBLIC_ADDRESS: "https://game.example" }],
    ["REPLAY_LIMIT", { REPLAY_LIMIT: "0" }],
    ["REPLAY_WINDOW_SECONDS", { REPLAY_WINDOW_SECONDS: "often" }],
    ["LEADERBOARD_CACHE_SECONDS", { LEADERBOARD_CACHE_SECONDS: "-1" }],
  ];
  for (const [variable, env] of bad) {
    it(`refuses ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" ")} with a message naming ${variable}`, () => {
      assert.throws(() => loadSettings(env), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.variable, variable);
        assert.match(e.message, new RegExp(`^Invalid configuration: ${variable} `));
        return true;
      });
    });
  }

  it("stops the start with one line naming the bad variable", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
      env: { ...process.env, PORT: "not-a-port", MYSQL_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.equal(code, 1);
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], /^Invalid configuration: PORT must be a whole number/);
  });

  it("accepts REDIS_URL together with PUBLIC_ADDRESS", () => {
    const s = loadSettings({ REDIS_URL: "redis://127.0.0.1:6379", PUBLIC_ADDRESS: "127.0.0.1:{port}" });
    assert.equal(s.publicAddress, "127.0.0.1:{port}");
  });
});

describe(".env files", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "boardroom-env-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("fills in what the environment does not set, from .env.<NODE_ENV> before .env", () => {
    writeFileSync(path.join(dir, ".env"), "PORT=2611\nMONITOR_PASSWORD=secret\nMONITOR_USER=base\n");
    writeFileSync(path.join(dir, ".env.test"), "MONITOR_USER=ops\n");
    const env: Record<string, string | undefined> = { NODE_ENV: "test" };
    assert.deepEqual(loadEnvFiles(dir, env), [".env.test", ".env"]);
    const s = loadSettings(env);
    assert.equal(s.port, 2611);
    assert.equal(s.monitorPassword, "secret");
    assert.equal(s.monitorUser, "ops");
  });

  it("lets the environment win over both files", () => {
    writeFileSync(path.join(dir, ".env"), "PORT=2611\n");
    writeFileSync(path.join(dir, ".env.development"), "PORT=2612\n");
    const env: Record<string, string | undefined> = { PORT: "3000" };
    loadEnvFiles(dir, env);
    assert.equal(loadSettings(env).port, 3000);
  });

  it("picks .env.<NODE_ENV> by the NODE_ENV that .env sets when the environment has none", () => {
    writeFileSync(path.join(dir, ".env"), "NODE_ENV=production\n");
    writeFileSync(path.join(dir, ".env.production"), "PORT=2613\n");
    const env: Record<string, string | undefined> = {};
    assert.deepEqual(loadEnvFiles(dir, env), [".env.production", ".env"]);
    assert.equal(loadSettings(env).port, 2613);
  });

  it("reads nothing and changes nothing where there is no file", () => {
    const env: Record<string, string | undefined> = { PORT: "1" };
    assert.deepEqual(loadEnvFiles(dir, env), []);
    assert.deepEqual(env, { PORT: "1" });
  });
});

describe("the Node.js check", () => {
  it("accepts Node 22 and newer", () => {
    assert.equal(unsupportedNode("v22.0.0", "/x/node"), null);
    assert.equal(unsupportedNode("v24.1.2", "/x/node"), null);
  });

  it("refuses an older Node with one line naming the version needed and how to get it", () => {
    const reason = unsupportedNode("v20.20.2", "/usr/bin/node");
    assert.ok(reason);
    assert.doesNotMatch(reason, /\n/);
    assert.match(reason, /needs Node\.js 22 or newer, but this is Node 20\.20\.2 \(\/usr\/bin\/node\)/);
    assert.match(reason, /npm start/);
  });
});
