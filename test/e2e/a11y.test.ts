/**
 * Browser e2e: a client that everyone can use. axe-core finds no "serious" or "critical" violation
 * on the home screen at 1280x800 and at 360x740, saved as test-results/a11y-home-<width>.png; the
 * round limit and turn time are offered within the server's bounds; Enter in the name field submits;
 * a home-screen toast does not follow the player into the waiting room and covers no control.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { screenshot, browserSuite } from "../helpers/browser.ts";
import { byTestId, createRoom, openHome, setName } from "./steps.ts";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core in the page (injected through the DevTools protocol: the page's CSP allows no inline script). */
async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: any[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n: { target: string[]; failureSummary?: string }) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`),
    }));
  });
}

/** Saves the screen as a11y-<screen>-<width>.png, then fails on any serious or critical violation. */
async function checkScreen(page: Page, screen: string) {
  const width = page.viewportSize()?.width ?? 0;
  await page.waitForTimeout(250); // the toast and dice animations settle (axe reads colours as drawn)
  await screenshot(page, `a11y-${screen}-${width}`, { fullPage: true });
  const serious = (await axeViolations(page)).filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], `${screen} at ${width}px:\n${JSON.stringify(serious, null, 2)}`);
}

describe("browser client: for everyone (accessibility, keyboard, focus, toasts, tile names)", function () {
  this.timeout(90_000);
  const suite = browserSuite({ minTurnSeconds: 0.5, awayTurnSeconds: 0.5 });

  for (const viewport of [DESKTOP, PHONE]) {
    it(`finds no serious or critical axe-core violation on the home screen at ${viewport.width}px`, async () => {
      const { page } = await suite.chrome.person(viewport);
      await openHome(page, suite.server.http);
      await checkScreen(page, "home");
    });
  }

  it("offers the round limit and turn time within the server's bounds, and clamps a round limit typed out of them", async () => {
    const { page } = await suite.chrome.person(DESKTOP);
    await openHome(page, suite.server.http);
    const bounds = await page.$eval(byTestId("max-rounds"), (el) => [(el as HTMLInputElement).min, (el as HTMLInputElement).max, (el as HTMLInputElement).value]);
    assert.deepEqual(bounds, ["1", "1000", "100"]);
    const times = await page.$$eval(`${byTestId("turn-seconds")} option`, (els) => els.map((e) => Number((e as HTMLOptionElement).value)));
    assert.ok(times.length > 1 && times.every((s) => s >= 10 && s <= 120), JSON.stringify(times));
    assert.equal(await page.$eval(byTestId("turn-seconds"), (el) => (el as HTMLSelectElement).value), "60");
    // labelled: the label's text is the control's name
    assert.equal(await page.getByLabel("Round limit").getAttribute("data-testid"), "max-rounds");
    assert.equal(await page.getByLabel("Time per turn").getAttribute("data-testid"), "turn-seconds");
    await page.fill(byTestId("max-rounds"), "5000");
    await page.press(byTestId("max-rounds"), "Tab");
    assert.equal(await page.inputValue(byTestId("max-rounds")), "1000");
    await page.fill(byTestId("max-rounds"), "0");
    await page.press(byTestId("max-rounds"), "Tab");
    assert.equal(await page.inputValue(byTestId("max-rounds")), "1");
  });

  it("submits the name with Enter: it creates a room, or joins the room whose code is filled in", async () => {
    const { page } = await suite.chrome.person(DESKTOP);
    await openHome(page, suite.server.http);
    await page.fill(byTestId("name-input"), "Ann");
    await page.press(byTestId("name-input"), "Enter");
    await page.waitForSelector(byTestId("waiting-room"));
    const code = (await page.textContent(byTestId("room-code")))!.trim();

    const other = await suite.chrome.person(DESKTOP);
    await openHome(other.page, suite.server.http);
    await other.page.fill(byTestId("code-input"), code);
    await other.page.fill(byTestId("name-input"), "Bo");
    await other.page.press(byTestId("name-input"), "Enter");
    await other.page.waitForSelector(byTestId("waiting-room"));
    assert.equal((await other.page.textContent(byTestId("room-code")))!.trim(), code, "Bo is in Ann's room");
  });

  it("leaves a home-screen toast on the home screen, and shows toasts where they cover no control at 360px", async () => {
    const { page } = await suite.chrome.person(PHONE);
    await openHome(page, suite.server.http);
    await setName(page, "Ann");
    await page.fill(byTestId("code-input"), "999999");
    await page.click(byTestId("join-code"));
    const toast = page.locator(byTestId("toast-error")).first();
    await toast.waitFor();
    assert.match((await toast.textContent()) ?? "", /999999/);

    // no control under the toast: it sits in the page flow, above the screen
    const overlaps = await page.evaluate(() => {
      // no named functions in here: the spec's compiler would wrap them in a helper the page lacks
      const t = document.querySelector('[data-testid="toast-error"]')!.getBoundingClientRect();
      return [...document.querySelectorAll<HTMLElement>("button, input, select, textarea, a[href]")]
        .filter((el) => {
          const r = el.getBoundingClientRect();
          const hit = r.width > 0 && r.height > 0 && r.left < t.right && r.right > t.left && r.top < t.bottom && r.bottom > t.top;
          return hit && !el.closest('[data-testid="toasts"]');
        })
        .map((el) => el.dataset.testid ?? el.tagName);
    });
    assert.deepEqual(overlaps, [], "controls under the toast");
    await screenshot(page, "a11y-toast-home-360");

    // within its 7 s the player creates a room: the home screen's toast does not come along
    await createRoom(page);
    assert.equal(await page.locator(byTestId("toast-error")).count(), 0, "a home toast in the waiting room");
    assert.equal(await page.locator(byTestId("toasts")).count(), 1, "one toast region, the waiting room's");
  });
});
