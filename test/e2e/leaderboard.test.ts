/**
 * Browser e2e: the leaderboard on the home screen. Two games are played to their end through the
 * server (SDK players, one round each), then the page shows the table GET /leaderboard answers, with
 * its period switch, accessible (axe-core on the component, a caption, header scopes) and within a
 * 360 px wide screen. Screenshots at desktop and phone widths.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { PlayerSDK, observe, playToTheEnd, readyAndStart, type Observed } from "../helpers/players.ts";
import { getJson, until } from "../helpers/wait.ts";
import { browserSuite, screenshot } from "../helpers/browser.ts";
import { byTestId, openHome } from "./steps.ts";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const BOARD = byTestId("leaderboard");

interface Shown {
  rank: number;
  name: string;
  wins: number;
  games: number;
  averageRank: string;
}

/** The rows the page shows. */
function shownRows(page: Page): Promise<Shown[]> {
  return page.$$eval('[data-testid="leaderboard-row"]', (rows) =>
    rows.map((r) => {
      const cells = [...r.children].map((c) => (c.textContent ?? "").trim());
      return { rank: Number(cells[0]), name: cells[1], wins: Number(cells[2]), games: Number(cells[3]), averageRank: cells[4] };
    }),
  );
}

/** The leaderboard component's accessibility violations of impact serious or critical (axe-core). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (selector) => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> } }).axe;
    const result = await axe.run({ include: [selector] }, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  }, BOARD);
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}, ${v.nodes} nodes)`);
}

/** Nothing of the page, nor of the table, is wider than the screen. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate((selector) => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    const card = document.querySelector(selector)!.getBoundingClientRect();
    for (const cell of document.querySelectorAll(`${selector} th, ${selector} td`)) {
      const box = cell.getBoundingClientRect();
      if (box.right > card.right + 0.5) problems.push(`"${cell.textContent}" ends at ${box.right} past the card's ${card.right}`);
    }
    return problems;
  }, BOARD);
}

describe("browser client: the leaderboard on the home screen", function () {
  this.timeout(90_000);
  const suite = browserSuite();

  /** Two players play a one-round game to its end; the server records it. */
  async function playAGame(host: string, guest: string) {
    const sdk = new PlayerSDK(suite.server.ws);
    const players: Observed[] = [observe(await sdk.create("game", { name: host, private: true, maxPlayers: 2, maxRounds: 1 }))];
    players.push(observe(await sdk.joinById(players[0].room.roomId, { name: guest })));
    for (const p of players) suite.bots.push(p.room);
    await readyAndStart(players);
    await playToTheEnd(players);
  }

  it("shows the players of two finished games ranked as GET /leaderboard ranks them, by period, at desktop and phone widths", async () => {
    const early = await suite.chrome.person({ width: 1280, height: 800 });
    await openHome(early.page, suite.server.http);
    await early.page.waitForSelector(`${BOARD}[data-state="empty"]`);
    assert.match((await early.page.textContent(byTestId("leaderboard-status"))) ?? "", /No finished games/);

    await playAGame("Ada", "Bo");
    await playAGame("Ada", "Cy");
    const { body } = await until(async () => {
      const answer = await getJson(`${suite.server.http}/leaderboard`);
      return answer.body.players?.length === 3 ? answer : null;
    }, "both games on the leaderboard", 10_000);
    const expected: Shown[] = body.players.map((p: Omit<Shown, "averageRank"> & { averageRank: number }) => ({
      rank: p.rank,
      name: p.name,
      wins: p.wins,
      games: p.games,
      averageRank: p.averageRank.toFixed(2),
    }));
    // two games of two: two wins in all, Ada in both
    assert.equal(expected.reduce((sum, p) => sum + p.wins, 0), 2);
    assert.deepEqual(expected.map((p) => [p.name, p.games]).sort(), [["Ada", 2], ["Bo", 1], ["Cy", 1]]);

    // the page opened before the games shows them once its period is chosen again
    await early.page.click(byTestId("leaderboard-period-all"));
    await early.page.waitForSelector(`${BOARD}[data-state="ready"]`);
    assert.deepEqual(await shownRows(early.page), expected);

    for (const [viewport, name] of [
      [{ width: 1280, height: 800 }, "leaderboard-desktop"],
      [{ width: 360, height: 740 }, "leaderboard-phone"],
    ] as const) {
      const { page } = await suite.chrome.person(viewport);
      await openHome(page, suite.server.http);
      await page.waitForSelector(`${BOARD}[data-state="ready"]`);
      assert.deepEqual(await shownRows(page), expected, name);
      assert.equal(await page.getAttribute(byTestId("leaderboard-period-all"), "aria-pressed"), "true");

      // both games ended just now: the last 24 hours show the same table, the switch says which is on
      await page.click(byTestId("leaderboard-period-day"));
      await page.waitForFunction((selector) => document.querySelector(selector)?.getAttribute("data-period") === "day", BOARD);
      await page.waitForSelector(`${BOARD}[data-state="ready"]`);
      assert.deepEqual(await shownRows(page), expected, `${name}, 24 hours`);
      assert.equal(await page.getAttribute(byTestId("leaderboard-period-day"), "aria-pressed"), "true");
      assert.equal(await page.getAttribute(byTestId("leaderboard-period-all"), "aria-pressed"), "false");
      assert.equal(await page.textContent(`${BOARD} caption`), "Top players of the last 24 hours");

      // a heading, a caption, column and row headers, nothing axe-core calls serious
      assert.equal(await page.textContent(`${BOARD} h2`), "Leaderboard");
      assert.equal(await page.locator(`${BOARD} thead th[scope="col"]`).count(), 6);
      assert.equal(await page.locator(`${BOARD} tbody th[scope="row"]`).count(), 3);
      assert.deepEqual(await seriousViolations(page), [], name);
      assert.deepEqual(await overflow(page), [], name);

      await page.locator(BOARD).scrollIntoViewIfNeeded();
      await screenshot(page, name);
      await screenshot(page, `${name}-full`, { fullPage: true });
    }
  });
});
