/**
 * The browser client: client/dist (built by `npm run build:client`) served as static files at `/`.
 *
 * client/dist is checked once, when the router is made, against the stamp the build leaves in it
 * (build.json, written by client/vite.config.ts): a missing, foreign, development or stale build is
 * not served. `/` then says what is wrong and how to fix it, and the server logs the same in one
 * line, because a page that half works (a dev build calling a proxy this server does not have, or
 * a client older than the message contract) is worse than none.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router } from "express";

export const CLIENT_DIST = fileURLToPath(new URL("../../client/dist", import.meta.url));
/** The stamp names its sources relative to the repository root, so a checkout anywhere can check them. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BUILD_STAMP = "build.json";
const BUILDER = "boardroom-client";

/** What client/vite.config.ts writes into the build as build.json. */
export interface BuildStamp {
  builder: typeof BUILDER;
  /** Vite's resolved mode and `isProduction`; a non-production build compiles `import.meta.env.DEV` to true. */
  mode: string;
  production: boolean;
  builtAt: string;
  /** sha256 of every project file the bundle was made from, by path relative to the repository root. */
  sources: Record<string, string>;
}

/** sha256 of each file, or "missing"; shared by the build (to write the stamp) and the server (to check it). */
export function digestSources(files: string[], root = REPO_ROOT): Record<string, string> {
  const digests: Record<string, string> = {};
  for (const file of [...files].sort()) {
    const path = join(root, file);
    digests[file] = existsSync(path) ? createHash("sha256").update(readFileSync(path)).digest("hex") : "missing";
  }
  return digests;
}

export function makeBuildStamp(files: string[], mode: string, production: boolean, root = REPO_ROOT): BuildStamp {
  return { builder: BUILDER, mode, production, builtAt: new Date().toISOString(), sources: digestSources(files, root) };
}

export type ClientBuildCheck =
  | { ok: true; stamp: BuildStamp }
  | { ok: false; problem: "missing" | "foreign" | "development" | "stale"; detail: string };

export function checkClientBuild(distDir = CLIENT_DIST, root = REPO_ROOT): ClientBuildCheck {
  if (!existsSync(join(distDir, "index.html"))) return { ok: false, problem: "missing", detail: "it has no index.html" };
  let stamp: BuildStamp;
  try {
    stamp = JSON.parse(readFileSync(join(distDir, BUILD_STAMP), "utf8"));
  } catch {
    return { ok: false, problem: "foreign", detail: `it has no readable ${BUILD_STAMP}, so it was not made by this project's client build` };
  }
  if (stamp?.builder !== BUILDER || typeof stamp.sources !== "object" || stamp.sources === null) {
    return { ok: false, problem: "foreign", detail: `its ${BUILD_STAMP} was not written by this project's client build` };
  }
  if (stamp.production !== true) {
    return {
      ok: false,
      problem: "development",
      detail: `it is a development build (mode ${stamp.mode}): its page calls the Vite dev server's /colyseus proxy, which this server does not have`,
    };
  }
  const now = digestSources(Object.keys(stamp.sources), root);
  const changed = Object.keys(now).filter((file) => now[file] !== stamp.sources[file]);
  if (changed.length > 0) {
    const named = changed.slice(0, 3).join(", ") + (changed.length > 3 ? ` and ${changed.length - 3} more` : "");
    return { ok: false, problem: "stale", detail: `it was built on ${stamp.builtAt} from older sources: ${named} changed since` };
  }
  return { ok: true, stamp };
}

const HEADINGS: Record<Exclude<ClientBuildCheck, { ok: true }>["problem"], string> = {
  missing: "The browser client is not built yet",
  foreign: "The browser client in client/dist is not this project's build",
  development: "The browser client in client/dist is a development build",
  stale: "The browser client in client/dist is out of date",
};

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function notServedPage(check: Exclude<ClientBuildCheck, { ok: true }>): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Boardroom: ${escapeHtml(HEADINGS[check.problem])}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>${escapeHtml(HEADINGS[check.problem])}</h1>
<p>The game server is running, but it does not serve <code>client/dist</code>: ${escapeHtml(check.detail)}. Build the client with</p>
<pre style="background:#f3f1ea; padding: .75rem 1rem; border-radius: 8px">npm run build:client</pre>
<p>and reload this page. (<code>npm install</code> and <code>npm start</code> build it too.)</p>
</body></html>`;
}

export function clientRouter(options: { distDir?: string; root?: string; log?: (line: string) => void } = {}): Router {
  const { distDir = CLIENT_DIST, root = REPO_ROOT, log = (line: string) => console.log(line) } = options;
  // index.html too: a reload in the middle of a rebuild may see the new stamp before the new page.
  const buildVersion = () =>
    ["index.html", BUILD_STAMP].map((file) => statSync(join(distDir, file), { throwIfNoEntry: false })?.mtimeMs ?? 0).join(":");
  let check = checkClientBuild(distDir, root);
  let checkedVersion = buildVersion();
  if (!check.ok) log(`web client: not serving ${distDir}: ${check.detail}; run npm run build:client`);

  const serveBuild = express.static(distDir, {
    index: "index.html",
    setHeaders(res, path) {
      // Vite fingerprints everything under assets/; index.html must be revalidated to pick up a new build.
      res.setHeader("Cache-Control", /[\\/]assets[\\/]/.test(path) ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });

  const router = Router();
  router.use((req, res, next) => (check.ok ? serveBuild(req, res, next) : next()));
  router.get("/", (req, res, next) => {
    // The page promises that a rebuild and a reload fix it: check again, but only once a build has
    // written new files (sources are hashed at start and after a rebuild, never per request).
    if (!check.ok && buildVersion() !== checkedVersion) {
      checkedVersion = buildVersion();
      check = checkClientBuild(distDir, root);
      if (check.ok) log(`web client: serving ${distDir}, rebuilt at ${check.stamp.builtAt}`);
    }
    if (check.ok) return serveBuild(req, res, next);
    res.status(503).type("html").set("Cache-Control", "no-store").send(notServedPage(check));
  });
  return router;
}
