/**
 * Browser e2e: the leaderboard on the home screen. Two games are played to their end through the
 * server (SDK players, one round each), then the page shows the table GET /leaderboard answers, with
 * its period switch, accessible (axe-core on the component, a caption, header scopes) and within a
 * 360 px wide screen. A name opens that player's games (GET /players/:name/matches) in the card, each
 * with a real link to its replay, which the viewer loads; Back and Escape return to the table with
 * the focus on the name; an empty history and a refused one say so. Screenshots at desktop and phone
 * widths.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { PlayerSDK, observe, playToTheEnd, readyAndStart, type Observed } from "../helpers/players.ts";
import { getJson, until } from "../helpers/wait.ts";
import { browserSuite, screenshot } from "../helpers/browser.ts";
import { byTestId, expectErrorToast, openHome } from "./steps.ts";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const BOARD = byTestId("leaderboard");
const TABLE = byTestId("leaderboard-table");
const HISTORY = byTestId("player-history");
const playerLink = (name: string) => `${byTestId("leaderboard-player")}[data-name="${name}"]`;

interface Shown {
  rank: number;
  name: string;
  wins: number;
  games: number;
  averageRank: string;
}

const focusedTestId = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? "");
/** The name of the leaderboard's name button that has the focus ("" when none has it). */
const focusedName = (page: Page) =>
  page.evaluate(() => (document.activeElement?.getAttribute("data-testid") === "leaderboard-player" ? (document.activeElement as HTMLElement).dataset.name : ""));

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

/** Nothing of the page, nor of the tables, is wider than the screen; no link or button is wider than its cell. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate((selector) => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width) problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    const card = document.querySelector(selector)!.getBoundingClientRect();
    for (const cell of document.querySelectorAll(`${selector} th, ${selector} td`)) {
      const box = cell.getBoundingClientRect();
      if (box.right > card.right + 0.5) problems.push(`"${cell.textContent}" ends at ${box.right} past the card's ${card.right}`);
      for (const control of cell.querySelectorAll("a, button")) {
        const inner = control.getBoundingClientRect();
        if (inner.right > box.right + 0.5 || inner.left < box.left - 0.5) problems.push(`"${control.textContent}" (${inner.left}-${inner.right}) sticks out of its cell (${box.left}-${box.right})`);
      }
    }
    return problems;
  }, BOARD);
}

describe("browser client: the leaderboard on the home screen", function () {
  this.timeout(90_000);
  const suite = browserSuite();

  /** The two games the specs look at, played once (whichever spec asks first). */
  let played: Promise<void> | null = null;
  const twoGames = () =>
    (played ??= (async () => {
      await playAGame("Ada", "Bo");
      await playAGame("Ada", "Cy");
      await until(async () => (await getJson(`${suite.server.http}/leaderboard`)).body.players?.length === 3, "both games on the leaderboard", 10_000);
    })());

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

    await twoGames();
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
      assert.equal(await page.textContent(`${TABLE} caption`), "Top players of the last 24 hours");

      // a heading, a caption, column and row headers, nothing axe-core calls serious
      assert.equal(await page.textContent(`${BOARD} h2`), "Leaderboard");
      assert.equal(await page.locator(`${TABLE} thead th[scope="col"]`).count(), 6);
      assert.equal(await page.locator(`${TABLE} tbody th[scope="row"]`).count(), 3);
      assert.deepEqual(await seriousViolations(page), [], name);
      assert.deepEqual(await overflow(page), [], name);

      await page.locator(BOARD).scrollIntoViewIfNeeded();
      await screenshot(page, name);
      // from the top: scrolled down, the sticky header would be drawn in the middle of the whole page
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `${name}-full`, { fullPage: true });
    }
  });

  it("opens a player's games from their name, each with a replay link the viewer loads, at 1280 and 360 px", async () => {
    await twoGames();
    const { status, body } = await getJson(`${suite.server.http}/players/Ada/matches`);
    assert.equal(status, 200);
    const matches = body.matches as Array<{ matchId: number; endedAt: string; name: string; rank: number; players: number }>;
    assert.equal(matches.length, 2, "Ada played both games");
    // the same matches as the server's record of finished games, newest first
    const recent = (await getJson(`${suite.server.http}/matches/recent?limit=50`)).body.matches as Array<{ id: number; players: Array<{ name: string; rank: number }> }>;
    for (const m of matches) {
      const match = recent.find((r) => r.id === m.matchId);
      assert.ok(match, `match ${m.matchId} is recorded`);
      assert.equal(match.players.length, m.players);
      assert.equal(match.players.find((p) => p.name === "Ada")?.rank, m.rank);
    }
    const ordinal = (n: number) => `${n}${n === 1 ? "st" : n === 2 ? "nd" : n === 3 ? "rd" : "th"}`;
    const expected = matches.map((m) => ({ matchId: m.matchId, endedAt: m.endedAt, rank: ordinal(m.rank), players: String(m.players), href: `/?replay=${m.matchId}`, tag: "A" }));

    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 360, height: 740 },
    ]) {
      const label = `${viewport.width}px`;
      const { context, page } = await suite.chrome.person(viewport);
      await openHome(page, suite.server.http);
      await page.waitForSelector(`${BOARD}[data-state="ready"]`);
      assert.equal(await page.getAttribute(`${playerLink("Ada")}`, "type"), "button");
      await page.click(playerLink("Ada"));
      await page.waitForSelector(`${HISTORY}[data-state="ready"]`);
      assert.equal(await page.getAttribute(BOARD, "data-view"), "history");
      assert.equal(await page.isHidden(byTestId("leaderboard-table")), true, `${label}: the history takes the table's place`);
      // the focus goes to the panel's heading, which names whose games these are
      assert.equal(await focusedTestId(page), "player-history-heading", label);
      assert.equal(await page.textContent(`${HISTORY} h3`), "Ada's games");

      const rows = await page.$$eval('[data-testid="player-history-row"]', (trs) =>
        trs.map((tr) => {
          const cells = [...tr.children].map((c) => (c.textContent ?? "").trim());
          const link = tr.querySelector('[data-testid="player-history-replay"]')!;
          return {
            matchId: Number((tr as HTMLElement).dataset.matchId),
            endedAt: tr.querySelector("time")?.getAttribute("datetime") ?? "",
            when: cells[0],
            rank: cells[1],
            players: cells[2],
            href: link.getAttribute("href") ?? "",
            tag: link.tagName,
          };
        }),
      );
      assert.deepEqual(
        rows.map(({ when: _, ...row }) => row),
        expected,
        label,
      );
      // when it ended, this year's: month, day and time (the browser's locale is en-US)
      for (const row of rows) assert.match(row.when, /^[A-Z][a-z]{2} \d{1,2}, \d\d:\d\d$/, label);
      // "Watch replay" to the eye; to a screen reader, which match
      assert.deepEqual(
        await page.$$eval('[data-testid="player-history-replay"]', (links) => links.map((a) => a.textContent)),
        rows.map((row) => `Watch replay of match ${row.matchId}, ${row.when}`),
      );
      assert.equal(await page.locator(`${HISTORY} thead th[scope="col"]`).count(), 5);

      assert.deepEqual(await seriousViolations(page), [], `${label}, the history open`);
      assert.deepEqual(await overflow(page), [], `${label}, the history open`);
      await page.locator(BOARD).scrollIntoViewIfNeeded();
      await screenshot(page, `leaderboard-history-${viewport.width}`);
      // from the top: scrolled down, the sticky header would be drawn in the middle of the whole page
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `leaderboard-history-${viewport.width}-full`, { fullPage: true });

      // Back: the table again, the focus on the name the history was opened from
      await page.click(byTestId("player-history-back"));
      assert.equal(await page.isHidden(HISTORY), true);
      assert.equal(await page.isVisible(byTestId("leaderboard-table")), true);
      assert.equal(await focusedName(page), "Ada", `${label}: the focus back on the name`);
      // by keyboard: Enter on the name opens it, Escape closes it
      await page.keyboard.press("Enter");
      await page.waitForSelector(`${HISTORY}[data-state="ready"]`);
      assert.equal(await focusedTestId(page), "player-history-heading");
      await page.keyboard.press("Escape");
      assert.equal(await page.isHidden(HISTORY), true);
      assert.equal(await focusedName(page), "Ada", `${label}: the focus back on the name after Escape`);

      // a real link: Ctrl+click opens the replay in a new tab, a click in this one; both load the match
      await page.click(playerLink("Ada"));
      await page.waitForSelector(`${HISTORY}[data-state="ready"]`);
      const first = page.locator(byTestId("player-history-replay")).first();
      if (viewport.width === 1280) {
        const [tab] = await Promise.all([context.waitForEvent("page"), first.click({ modifiers: ["ControlOrMeta"] })]);
        await tab.waitForSelector(`${byTestId("replay-screen")}[data-state="ready"]`);
        assert.equal(await tab.textContent("h1"), `Replay of match ${expected[0].matchId}`);
        assert.equal(new URL(page.url()).search, "", "the leaderboard stays in its own tab");
        await tab.close();
      }
      await first.click();
      await page.waitForURL((url) => url.searchParams.get("replay") === String(expected[0].matchId));
      await page.waitForSelector(`${byTestId("replay-screen")}[data-state="ready"]`);
      assert.equal(await page.textContent("h1"), `Replay of match ${expected[0].matchId}`, label);
      await page.waitForSelector(`${byTestId("replay-screen")}[data-checked="ok"]`);
    }
  });

  it("says so when a player has no games, and when the server refuses or cannot be reached", async () => {
    await twoGames();
    const { page } = await suite.chrome.person({ width: 1280, height: 800 });
    await openHome(page, suite.server.http);
    await page.waitForSelector(`${BOARD}[data-state="ready"]`);
    const MATCHES = "**/players/*/matches?*";

    // no games (a name whose games are gone, say): the panel says so
    await page.route(MATCHES, (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ matches: [] }) }));
    await page.click(playerLink("Bo"));
    await page.waitForSelector(`${HISTORY}[data-state="empty"]`);
    assert.equal(await page.textContent(byTestId("player-history-status")), "Bo has no finished games yet.");
    assert.equal(await page.isHidden(byTestId("player-history-table")), true);
    assert.deepEqual(await seriousViolations(page), [], "empty");
    await page.click(byTestId("player-history-back"));
    await page.unroute(MATCHES);

    // a typed refusal: the server's sentence in an error toast, as every home-screen refusal; the panel offers Retry
    const refusal = "The database is unavailable: retry shortly.";
    await page.route(MATCHES, (route) =>
      route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "UNAVAILABLE", message: refusal } }) }),
    );
    await page.click(playerLink("Cy"));
    await page.waitForSelector(`${HISTORY}[data-state="failed"]`);
    assert.equal(await page.getAttribute(HISTORY, "data-error"), "UNAVAILABLE");
    await expectErrorToast(page, new RegExp(`^${refusal.replace(/[.:]/g, "\\$&")}`));
    assert.match((await page.textContent(byTestId("player-history-status"))) ?? "", /^Cy's games could not be loaded\. Retry$/);
    assert.deepEqual(await seriousViolations(page), [], "failed");
    await page.unroute(MATCHES);
    await page.click(byTestId("player-history-retry"));
    await page.waitForSelector(`${HISTORY}[data-state="ready"]`);
    assert.equal(await page.locator(byTestId("player-history-row")).count(), 1, "Cy played one game");
    assert.equal(await focusedTestId(page), "player-history-heading", "the focus stays in the panel after Retry");
    await page.click(byTestId("player-history-back"));

    // no answer at all
    await page.route(MATCHES, (route) => route.abort("connectionrefused"));
    await page.click(playerLink("Ada"));
    await page.waitForSelector(`${HISTORY}[data-state="failed"]`);
    await expectErrorToast(page, /Cannot reach the game server/);
    await page.unroute(MATCHES);
  });
});
