/**
 * Browser e2e: the web client works under its content security policy (the room list loads, a room is
 * created over the WebSocket) with no violation reported; /monitor and /playground still load under theirs.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { byTestId, createRoom, openHome, setName } from "./steps.ts";

interface Violation {
  directive: string;
  blocked: string;
  file: string;
  line: number;
}

/** Every CSP violation the page reports: its console messages about the policy, and its securitypolicyviolation events. */
async function watchViolations(page: Page): Promise<{ console: string[]; events: Violation[] }> {
  const seen = { console: [] as string[], events: [] as Violation[] };
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.console.push(m.text());
  });
  await page.exposeFunction("reportViolation", (v: Violation) => seen.events.push(v));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as unknown as { reportViolation(v: Violation): void }).reportViolation({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        file: e.sourceFile,
        line: e.lineNumber,
      }),
    );
  });
  return seen;
}

describe("browser client: the content security policy", function () {
  this.timeout(30_000);
  const suite = browserSuite({ monitorUser: "ops", monitorPassword: "s3cret" });

  it("lists rooms and creates one under the policy, with no violation reported", async () => {
    const { page } = await suite.chrome.person();
    const violations = await watchViolations(page);
    const home = await page.goto(`${suite.server.http}/`);
    assert.match(home?.headers()["content-security-policy"] ?? "", /script-src 'self'.*frame-ancestors 'none'|frame-ancestors 'none'.*script-src 'self'/);
    await openHome(page, suite.server.http);
    await page.waitForSelector(`${byTestId("no-rooms")}, ${byTestId("room-item")}`);
    await setName(page, "Ada");
    const code = await createRoom(page);
    assert.match(code, /^\d{6}$/);
    // the room list of a second page shows it: fetch and the lobby's WebSocket both passed
    const other = await suite.chrome.person();
    const otherViolations = await watchViolations(other.page);
    await openHome(other.page, suite.server.http);
    await other.page.locator(`${byTestId("room-item")}[data-code="${code}"]`).waitFor();
    assert.deepEqual([...violations.console, ...otherViolations.console], []);
    // zod in the bundle is told not to compile its parsers (client/src/jitless.ts): not even its probe is reported
    assert.deepEqual([...violations.events, ...otherViolations.events], []);
  });

  it("still serves /monitor and /playground under their own policy, with no violation reported", async () => {
    const { browser } = suite.chrome;
    const context = await browser.newContext({ httpCredentials: { username: "ops", password: "s3cret" } });
    try {
      for (const [path, ready] of [
        ["/monitor/", "#app *"],
        ["/playground/", "#root *"],
      ] as const) {
        const page = await context.newPage();
        const violations = await watchViolations(page);
        const answer = await page.goto(`${suite.server.http}${path}`);
        assert.equal(answer?.status(), 200, path);
        await page.waitForSelector(ready, { timeout: 8000 });
        await page.waitForLoadState("networkidle");
        assert.deepEqual(violations, { console: [], events: [] }, path);
      }
    } finally {
      await context.close();
    }
  });
});
