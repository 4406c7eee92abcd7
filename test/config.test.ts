import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { ConfigError, loadSettings } from "../src/config.ts";

describe("configuration", () => {
  it("has working defaults for an empty environment", () => {
    const s = loadSettings({});
    assert.equal(s.port, 2567);
    assert.equal(s.mysqlUrl, null);
    assert.equal(s.reconnectSeconds, 30);
    assert.equal(s.monitorUser, "admin");
    assert.equal(s.monitorPassword, null);
    assert.deepEqual(s.allowedOrigins, []);
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
  ];
  for (const [variable, env] of bad) {
    it(`refuses ${variable}=${Object.values(env)[0]} with a message naming ${variable}`, () => {
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
});
