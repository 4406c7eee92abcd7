/**
 * The browser client: client/dist (built by `npm run build:client`) served as static files at `/`.
 * Without a build, `/` says how to make one instead of a bare 404.
 */
import { fileURLToPath } from "node:url";
import express, { Router } from "express";

export const CLIENT_DIST = fileURLToPath(new URL("../../client/dist", import.meta.url));

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Boardroom: client not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The browser client is not built yet</h1>
<p>The game server is running, but <code>client/dist</code> is missing. Build the client with</p>
<pre style="background:#f3f1ea; padding: .75rem 1rem; border-radius: 8px">npm run build:client</pre>
<p>and reload this page. (<code>npm install</code> and <code>npm start</code> build it too.)</p>
</body></html>`;

export function clientRouter(distDir = CLIENT_DIST): Router {
  const router = Router();
  router.use(
    express.static(distDir, {
      index: "index.html",
      setHeaders(res, path) {
        // Vite fingerprints everything under assets/; index.html must be revalidated to pick up a new build.
        res.setHeader("Cache-Control", /[\\/]assets[\\/]/.test(path) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    }),
  );
  router.get("/", (_req, res) => {
    res.status(503).type("html").send(NOT_BUILT);
  });
  return router;
}
