/** The built client served by the game server at `/` (no browser needed), and what `/` says without a build. */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import express from "express";
import { clientRouter } from "../../src/http/client.ts";
import { ensureClientBuilt } from "../helpers/browser.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { getJson } from "../helpers/wait.ts";

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

    assert.equal((await getJson(`${server.http}/health`)).status, 200);
    assert.equal((await getJson(`${server.http}/rooms`)).body.rooms.length, 0);
    assert.equal((await getJson(`${server.http}/board`)).body.tiles.length, 40);
  });

  it("answers / with how to build the client when client/dist is missing", async () => {
    const app = express();
    app.use(clientRouter("/nonexistent/client/dist"));
    const http = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => http.once("listening", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run build:client/);
    } finally {
      http.close();
    }
  });
});
