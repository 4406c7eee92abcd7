/**
 * The client build (scripts/build-client.mjs, run by postinstall and prestart) makes the production
 * client whatever NODE_ENV the shell has. Each build goes into a temporary directory, so the
 * client/dist that other specs serve is never touched.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { boot, type ColyseusTestServer } from "@colyseus/testing";
import { createServerConfig, type ServerParts } from "../../arena.config.ts";
import { checkClientBuild, type BuildStamp } from "../../src/http/client.ts";
import { ROOT, launchBrowser, requireBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { freePort, testSettings } from "../helpers/server.ts";
import { createRoom, openHome, setName } from "./steps.ts";

const builds: string[] = [];

/** Runs the install/start build with this NODE_ENV (undefined: unset) into a new temporary directory. */
function buildClient(nodeEnv: string | undefined): string {
  const outDir = mkdtempSync(join(tmpdir(), "boardroom-client-"));
  builds.push(outDir);
  const env = { ...process.env };
  if (nodeEnv === undefined) delete env.NODE_ENV;
  else env.NODE_ENV = nodeEnv;
  const run = spawnSync(process.execPath, ["scripts/build-client.mjs", "--quiet", "--outDir", outDir], { cwd: ROOT, env, encoding: "utf8" });
  assert.equal(run.status, 0, `the build failed:\n${run.stdout}\n${run.stderr}`);
  return outDir;
}

/** The page reaches the game server at its own origin; a dev build would prefix the Vite proxy's /colyseus. */
function callsDevProxy(outDir: string): boolean {
  const assets = join(outDir, "assets");
  return readdirSync(assets)
    .filter((name) => name.endsWith(".js"))
    .some((name) => /["'`]\/colyseus["'`]/.test(readFileSync(join(assets, name), "utf8")));
}

describe("building the browser client whatever NODE_ENV the shell has", function () {
  this.timeout(60_000);
  let developmentBuild: string;

  before(() => {
    developmentBuild = buildClient("development");
  });
  after(() => {
    for (const dir of builds) rmSync(dir, { recursive: true, force: true });
  });

  it("builds the production client, stamped as such, under NODE_ENV=development", () => {
    const stamp: BuildStamp = JSON.parse(readFileSync(join(developmentBuild, "build.json"), "utf8"));
    assert.equal(stamp.production, true);
    assert.equal(stamp.mode, "production");
    assert.ok(stamp.sources["client/src/api.ts"], "the stamp covers the client's sources");
    assert.ok(stamp.sources["src/messages/contract.ts"], "and the server's message contract the client bundles");
    assert.equal(callsDevProxy(developmentBuild), false);
    const check = checkClientBuild(developmentBuild);
    assert.ok(check.ok, check.ok ? "" : check.detail);
  });

  for (const nodeEnv of ["test", undefined]) {
    it(`builds the same production client under ${nodeEnv ? `NODE_ENV=${nodeEnv}` : "an unset NODE_ENV"}`, () => {
      const outDir = buildClient(nodeEnv);
      const stamp: BuildStamp = JSON.parse(readFileSync(join(outDir, "build.json"), "utf8"));
      assert.equal(stamp.production, true);
      assert.equal(callsDevProxy(outDir), false);
      // the same sources make the same bundle, whatever the environment was
      assert.deepEqual(readdirSync(join(outDir, "assets")).sort(), readdirSync(join(developmentBuild, "assets")).sort());
    });
  }

  describe("served by a real game server", () => {
    let colyseus: ColyseusTestServer;
    let parts: ServerParts;
    let chrome: TestBrowser;
    let http: string;
    const logs: string[] = [];

    before(async function () {
      requireBrowser(this);
      const port = await freePort();
      const server = createServerConfig(testSettings({ port }), { log: (line) => logs.push(line), clientDist: developmentBuild });
      parts = server.parts;
      colyseus = await boot(server.config, port);
      http = `http://127.0.0.1:${port}`;
      chrome = await launchBrowser();
    });
    after(async () => {
      await chrome?.close();
      await colyseus?.shutdown();
      await parts?.housekeeping.stop();
    });

    it("lets a page built under NODE_ENV=development load the board and create a room", async () => {
      assert.deepEqual(logs.filter((line) => line.startsWith("web client:")), []);
      const { page } = await chrome.person();
      await openHome(page, http);
      await setName(page, "Dev");
      assert.match(await createRoom(page), /^\d{6}$/);
      await screenshot(page, "client-built-under-node-env-development");
    });
  });
});
