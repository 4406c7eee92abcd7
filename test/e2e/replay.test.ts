/**
 * Browser e2e: the replay viewer. A two-player game is played to its end through the server (SDK
 * players, one round), then `/?replay=<id>` shows it: the page rebuilds every state with the rules,
 * checks each hash against the server's (no warning), steps with Next and Last, and its last step
 * shows each player's cash as the server's match record has it. Accessible (axe-core, the focus
 * stays on the button pressed) and within a 360 px wide screen. Screenshots at 1280 and 360 px.
 * The result screen's "Watch the replay" opens the match just played.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { PlayerSDK, choose, observe, playToTheEnd, readyAndStart, type Observed } from "../helpers/players.ts";
import { getJson, until } from "../helpers/wait.ts";
import { browserSuite, screenshot } from "../helpers/browser.ts";
import { byTestId, createRoom, openHome, setName } from "./steps.ts";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SCREEN = byTestId("replay-screen");

/** The page's serious and critical axe-core violations (injected through the DevTools protocol: the CSP allows no inline script). */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.nodes.join(", ")}`);
}

/** The players' cash the page shows, by name. */
function shownCash(page: Page): Promise<Record<string, number>> {
  return page.$$eval('[data-testid="replay-player"]', (rows) => Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.name!, Number((r as HTMLElement).dataset.money)])));
}

const stepOf = async (page: Page) => Number(await page.getAttribute(SCREEN, "data-step"));
const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? "");

describe("browser client: the replay viewer", function () {
  this.timeout(90_000);
  const suite = browserSuite();

  it("steps through a finished match to the server's final cash, accessible at 1280 and 360 px", async () => {
    const sdk = new PlayerSDK(suite.server.ws);
    const players: Observed[] = [observe(await sdk.create("game", { name: "Ada", private: true, maxPlayers: 2, maxRounds: 1 }))];
    players.push(observe(await sdk.joinById(players[0].room.roomId, { name: "Bo" })));
    for (const p of players) suite.bots.push(p.room);
    const code: string = players[0].room.state.code;
    await readyAndStart(players);
    await playToTheEnd(players);

    const match = await until(async () => {
      const { body } = await getJson(`${suite.server.http}/matches/recent?limit=50`);
      return (body.matches as Array<{ id: number; code: string; players: Array<{ name: string; finalMoney: number }> }>).find((m) => m.code === code) ?? null;
    }, "the match recorded", 10_000);
    const { status, body: replay } = await getJson(`${suite.server.http}/matches/${match.id}/replay`);
    assert.equal(status, 200);
    const steps = replay.actions.length as number;
    assert.ok(steps > 2, `a game has actions (${steps})`);
    const finalCash = Object.fromEntries(match.players.map((p) => [p.name, p.finalMoney]));

    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 360, height: 740 },
    ]) {
      const { page } = await suite.chrome.person(viewport);
      await page.goto(`${suite.server.http}/?replay=${match.id}`);
      await page.waitForSelector(`${SCREEN}[data-state="ready"]`);
      assert.equal(await page.textContent("h1"), `Replay of match ${match.id}`);
      assert.equal(await stepOf(page), 0);
      assert.match((await page.textContent(byTestId("replay-step"))) ?? "", new RegExp(`^Step 0 of ${steps}\\. The game starts`));
      assert.equal(await page.getAttribute(byTestId("replay-step"), "aria-live"), "polite");
      assert.equal(await page.locator(byTestId("replay-action")).count(), steps + 1);
      // every rebuilt state has the server's hash
      await page.waitForSelector(`${SCREEN}[data-checked="ok"]`);
      assert.equal(await page.isHidden(byTestId("replay-warnings")), true);

      // Next steps one action; the focus stays on it; the list marks the current action
      await page.click(byTestId("replay-next"));
      await page.click(byTestId("replay-next"));
      assert.equal(await stepOf(page), 2);
      assert.equal(await focusedTestId(page), "replay-next");
      assert.match((await page.textContent(byTestId("replay-step"))) ?? "", new RegExp(`^Step 2 of ${steps}\\. `));
      assert.equal(await page.getAttribute('[data-testid="replay-action"][aria-current="step"]', "data-index"), "2");
      await page.click(byTestId("replay-previous"));
      assert.equal(await stepOf(page), 1);
      assert.equal(await focusedTestId(page), "replay-previous");

      // Last: the end of the match, as the server recorded it
      await page.click(byTestId("replay-last"));
      assert.equal(await stepOf(page), steps);
      assert.equal(await focusedTestId(page), "replay-last");
      assert.match((await page.textContent(byTestId("replay-step"))) ?? "", new RegExp(`^Step ${steps} of ${steps}\\. .*The game is over\\.$`));
      assert.deepEqual(await shownCash(page), finalCash);
      assert.equal(await page.getAttribute(byTestId("replay-next"), "aria-disabled"), "true");
      // Next at the end (aria-disabled: it keeps the focus) changes nothing
      await page.click(byTestId("replay-next"), { force: true });
      assert.equal(await stepOf(page), steps);

      // First, then play: the steps advance on their own and Pause stops them
      await page.click(byTestId("replay-first"));
      assert.equal(await stepOf(page), 0);
      await page.click(byTestId("replay-play"));
      assert.equal(await page.textContent(byTestId("replay-play")), "Pause");
      await page.waitForFunction((selector) => Number(document.querySelector(selector)?.getAttribute("data-step")) >= 2, SCREEN);
      await page.click(byTestId("replay-play"));
      assert.equal(await page.textContent(byTestId("replay-play")), "Play");
      assert.equal(await focusedTestId(page), "replay-play");
      const paused = await stepOf(page);
      await page.waitForTimeout(800);
      assert.equal(await stepOf(page), paused);

      await page.click(byTestId("replay-last"));
      const width = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(width[0] <= width[1], `no sideways scroll at ${viewport.width}px: ${width[0]} > ${width[1]}`);
      assert.deepEqual(await seriousViolations(page), [], `${viewport.width}px`);
      await screenshot(page, `replay-${viewport.width}`, { fullPage: true });
    }
  });

  it("opens from the result screen's Watch the replay", async () => {
    const { page } = await suite.chrome.person({ width: 1280, height: 800 });
    await openHome(page, suite.server.http);
    await setName(page, "Ann");
    await page.fill(byTestId("max-rounds"), "1");
    const code = await createRoom(page, { private: true, maxPlayers: 2 });
    const room = await fetch(`${suite.server.http}/rooms/${code}`).then((r) => r.json());
    const bo = await new PlayerSDK(suite.server.ws).joinById(room.roomId, { name: "Bo" });
    suite.bots.push(bo);
    bo.onMessage("*", () => {});
    let actedAt = -1;
    bo.onStateChange((state: any) => {
      const action = choose(state, bo.sessionId);
      if (action && state.seq !== actedAt) {
        actedAt = state.seq;
        bo.send(action, {});
      }
    });
    await until(() => bo.state.maxRounds, "the state");
    bo.send("ready", { ready: true });
    await page.locator(`${byTestId("lobby-player")}[data-ready="true"]`).waitFor();
    await page.click(byTestId("ready-toggle"));
    await page.click(byTestId("start-game"));
    await page.waitForSelector(byTestId("game-screen"));
    const winner = page.locator(byTestId("winner"));
    for (let i = 0; i < 200 && !(await winner.isVisible()); i++) {
      const action = page.locator(`${byTestId("actions")} button[aria-disabled="false"]`).first();
      if (await action.count()) await action.click().catch(() => {});
      await page.waitForTimeout(100);
    }
    await winner.waitFor();
    // the room knows its code, not its match id: the button finds the newest match of the code
    await page.click(byTestId("watch-replay"));
    await page.waitForSelector(`${SCREEN}[data-state="ready"]`);
    const id = new URL(page.url()).searchParams.get("replay");
    const recorded = await until(async () => {
      const { body: now } = await getJson(`${suite.server.http}/matches/recent?limit=50`);
      return (now.matches as Array<{ id: number; code: string }>).find((m) => m.code === code) ?? null;
    }, "the match recorded", 10_000);
    assert.equal(id, String(recorded.id), `the replay of room ${code}'s match`);
    assert.equal(await page.textContent("h1"), `Replay of match ${recorded.id}`);
  });

  it("says so when the match is not there", async () => {
    const { page } = await suite.chrome.person({ width: 1280, height: 800 });
    await page.goto(`${suite.server.http}/?replay=999999`);
    await page.waitForSelector(`${SCREEN}[data-state="failed"]`);
    assert.match((await page.textContent(byTestId("replay-step"))) ?? "", /cannot be shown/);
  });
});
