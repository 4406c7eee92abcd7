/**
 * Headless Chromium for the end-to-end specs: Debian's /usr/bin/chromium (or CHROMIUM_PATH) driven by
 * playwright-core (never a downloaded browser). Without it the specs are skipped with one line, unless
 * REQUIRE_BROWSER=1.
 * Also builds client/dist when it is missing or older than the client's sources.
 */
import type { Room } from "@colyseus/sdk";
import type { Settings } from "../../src/config.ts";
import { startServer, type TestServer } from "./server.ts";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkClientBuild } from "../../src/http/client.ts";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const REQUIRE_BROWSER = process.env.REQUIRE_BROWSER === "1";
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const RESULTS = join(ROOT, "test-results");

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Skips the calling suite (or fails it under REQUIRE_BROWSER=1) when Chromium is not installed. */
export function requireBrowser(ctx: Mocha.Context) {
  if (existsSync(CHROMIUM)) return;
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (REQUIRE_BROWSER) throw new Error(`REQUIRE_BROWSER=1 but ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

/** Builds client/dist (vite) unless the server would serve it as it is (its stamp matches the sources). */
export function ensureClientBuilt() {
  // the server's own check (the build's stamp against the sources), so a spec never meets a refused build
  if (checkClientBuild().ok) return;
  const vite = join(ROOT, "node_modules/.bin/vite");
  const run = spawnSync(vite, ["build", "--config", "client/vite.config.ts", "--logLevel", "warn"], { cwd: ROOT, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`building the client failed:\n${run.stdout}\n${run.stderr}`);
}

export interface TestBrowser {
  browser: Browser;
  /** A new isolated context (its own storage: one per person), with a default phone or desktop viewport. */
  person(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/**
 * One Chromium per spec file; each person gets their own context (separate storage). Playwright starts
 * every launched browser on a fresh temporary user-data-dir of its own and deletes it on close
 * (it refuses a --user-data-dir argument to `launch`).
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async person(viewport = { width: 1280, height: 800 }) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      context.setDefaultTimeout(8000);
      contexts.push(context);
      const page = await context.newPage();
      page.on("pageerror", (e) => console.log(`      [page error] ${e.message}`));
      if (process.env.E2E_CONSOLE === "1") page.on("console", (m) => console.log(`      [console.${m.type()}] ${m.text()}`));
      return { context, page };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
    },
  };
}

/** Saves what the page shows (or the whole page) under test-results/<name>.png. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}) {
  mkdirSync(RESULTS, { recursive: true });
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: options.fullPage ?? false });
}

/**
 * The fixture of a browser spec: a real server and one Chromium for the suite, SDK rooms (bots) to
 * leave afterwards. Skipped (or failed under REQUIRE_BROWSER=1) without Chromium.
 */
export interface BrowserSuite {
  server: TestServer;
  chrome: TestBrowser;
  bots: Room<any>[];
}

export function browserSuite(overrides: Partial<Settings> = {}): BrowserSuite {
  const suite = { bots: [] as Room<any>[] } as BrowserSuite;
  before(async function () {
    requireBrowser(this);
    ensureClientBuilt();
    suite.server = await startServer({ reconnectSeconds: 10, ...overrides });
    suite.chrome = await launchBrowser();
  });
  after(async () => {
    for (const room of suite.bots) {
      room.reconnection.enabled = false;
      await room.leave().catch(() => {});
    }
    await suite.chrome?.close();
    await suite.server?.stop();
  });
  return suite;
}
