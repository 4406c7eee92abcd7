/**
 * The built client served by the game server at `/` (no browser needed), and what `/` says instead
 * when client/dist is missing, not this project's build, a development build, or older than its sources.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import { BUILD_STAMP, clientRouter, makeBuildStamp } from "../../src/http/client.ts";
import { ensureClientBuilt } from "../helpers/browser.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { getJson } from "../helpers/wait.ts";

/** Serves clientRouter alone over HTTP, for builds made up in a temporary directory. */
async function serveClient(distDir: string, root?: string) {
  const logs: string[] = [];
  const app = express();
  app.use(clientRouter({ distDir, root, log: (line) => logs.push(line) }));
  const http = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => http.once("listening", resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { logs, get: (path: string) => fetch(`${base}${path}`), close: () => http.close() };
}

describe("serving the browser client", function () {
  this.timeout(30_000);
  let server: TestServer;

  before(async () => {
    ensureClientBuilt();
    server = await startServer();
  });
  after(async () => await server?.stop());

  it("serves index.html at / and its fingerprinted assets, next to the API routes", async () => {
    const page = await fetch(`${server.http}/?code=123456`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(page.headers.get("cache-control"), "no-cache");
    const html = await page.text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    assert.ok(script, "index.html loads a bundled script");
    const asset = await fetch(`${server.http}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get("cache-control") ?? "", /immutable/);
    assert.deepEqual(server.logs.filter((line) => line.startsWith("web client:")), []);

    assert.equal((await getJson(`${server.http}/health`)).status, 200);
    assert.equal((await getJson(`${server.http}/rooms`)).body.rooms.length, 0);
    assert.equal((await getJson(`${server.http}/board`)).body.tiles.length, 40);
  });

  it("answers / with how to build the client when client/dist is missing, and logs it once", async () => {
    const client = await serveClient("/nonexistent/client/dist");
    try {
      const res = await client.get("/");
      assert.equal(res.status, 503);
      assert.match(await res.text(), /not built yet[\s\S]*npm run build:client/);
      assert.equal(client.logs.length, 1);
      assert.match(client.logs[0], /^web client: not serving \/nonexistent\/client\/dist: .*run npm run build:client$/);
    } finally {
      client.close();
    }
  });

  describe("a client/dist that is not the current production build", () => {
    let dir: string;
    let root: string;
    let dist: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "boardroom-dist-"));
      // a project of one source file, so a spec can change a source without touching the checkout
      root = join(dir, "project");
      dist = join(dir, "dist");
      mkdirSync(join(root, "client/src"), { recursive: true });
      mkdirSync(join(dist, "assets"), { recursive: true });
      writeFileSync(join(root, "client/src/main.ts"), "export const version = 1;\n");
      writeFileSync(join(dist, "index.html"), '<!doctype html><script type="module" src="/assets/index-old.js"></script>');
      writeFileSync(join(dist, "assets/index-old.js"), "fetch('/colyseus/board');\n");
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const stamp = (production = true) =>
      writeFileSync(join(dist, BUILD_STAMP), JSON.stringify(makeBuildStamp(["client/src/main.ts"], production ? "production" : "development", production, root)));

    /** `/` explains, the log says the same once, and nothing of the build is served. */
    async function expectNotServed(heading: RegExp, detail: RegExp) {
      const client = await serveClient(dist, root);
      try {
        const res = await client.get("/");
        assert.equal(res.status, 503);
        const page = await res.text();
        assert.match(page, heading);
        assert.match(page, detail);
        assert.match(page, /npm run build:client/);
        assert.equal(client.logs.length, 1);
        assert.match(client.logs[0], detail);
        assert.match(client.logs[0], /run npm run build:client$/);
        assert.equal((await client.get("/index.html")).status, 404);
        assert.equal((await client.get("/assets/index-old.js")).status, 404);
      } finally {
        client.close();
      }
    }

    it("serves a production build whose stamp matches its sources", async () => {
      stamp();
      const client = await serveClient(dist, root);
      try {
        assert.equal((await client.get("/")).status, 200);
        assert.equal((await client.get("/assets/index-old.js")).status, 200);
        assert.deepEqual(client.logs, []);
      } finally {
        client.close();
      }
    });

    it("refuses a build whose sources changed since it was built, naming the changed file", async () => {
      stamp();
      writeFileSync(join(root, "client/src/main.ts"), "export const version = 2;\n");
      await expectNotServed(/out of date/, /client\/src\/main\.ts changed since/);
    });

    it("refuses a build that has no build.json (built by something else, or before stamps)", async () => {
      await expectNotServed(/not this project's build/, /no readable build\.json/);
    });

    it("refuses a build whose build.json is not this project's", async () => {
      writeFileSync(join(dist, BUILD_STAMP), JSON.stringify({ version: "1.0.0" }));
      await expectNotServed(/not this project's build/, /not written by this project's client build/);
    });

    it("refuses a development build, whose page would call the dev server's /colyseus proxy", async () => {
      stamp(false);
      await expectNotServed(/development build/, /development build \(mode development\)/);
    });

    it("serves the build after a rebuild writes a new stamp, without a restart", async () => {
      stamp();
      writeFileSync(join(root, "client/src/main.ts"), "export const version = 2;\n");
      const client = await serveClient(dist, root);
      try {
        assert.equal((await client.get("/")).status, 503);
        stamp();
        assert.equal((await client.get("/")).status, 200);
        assert.equal((await client.get("/assets/index-old.js")).status, 200);
        assert.equal(client.logs.length, 2);
        assert.match(client.logs[1], /^web client: serving .*, rebuilt at /);
      } finally {
        client.close();
      }
    });
  });
});
