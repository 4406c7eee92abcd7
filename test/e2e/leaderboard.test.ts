/**
 * Browser e2e: the leaderboard on the home screen. Two games are played to their end through the
 * server (SDK players, one round each), then the page shows the table GET /leaderboard answers, with
 * its period switch, accessible (axe-core on the component, a caption, header scopes) and within a
 * 360 px wide screen. A name opens that player's games (GET /players/:name/matches) in the card, each
 * with a real link to its replay, which the viewer loads; Back and Escape return to the table with
 * the focus on the name. Screenshots at desktop and phone widths.
 *
 * The history's failures are real ones, never stubbed answers: a 503 UNAVAILABLE the server answers
 * while a TCP proxy between it and MySQL is cut (a server process of the spec's own, which it then
 * kills with SIGKILL: no answer at all), and an empty history of a name whose player (a token
 * identity) has since played under another name.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Room } from "@colyseus/sdk";
import { SignJWT } from "jose";
import type { Page } from "playwright-core";
import { PlayerSDK, observe, playToTheEnd, readyAndStart, type Observed } from "../helpers/players.ts";
import { getJson, until } from "../helpers/wait.ts";
import { browserSuite, ensureClientBuilt, launchBrowser, requireBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "../helpers/mysql.ts";
import { startProcess, type ServerProcess } from "../helpers/process.ts";
import { TcpProxy } from "../helpers/tcpProxy.ts";
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

/** `text` as a regular expression that matches it literally. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

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

/**
 * Two players (SDK bots, kept in `bots` to leave afterwards) play a one-round game to its end; the
 * server records it. With `tokens`, each joins on its player token (a server with player tokens on).
 */
async function playAGame(ws: string, bots: Room<any>[], host: string, guest: string, tokens: { host?: string; guest?: string } = {}) {
  const sdkWith = (token?: string) => {
    const sdk = new PlayerSDK(ws);
    if (token) sdk.auth.token = token;
    return sdk;
  };
  const players: Observed[] = [observe(await sdkWith(tokens.host).create("game", { name: host, private: true, maxPlayers: 2, maxRounds: 1 }))];
  players.push(observe(await sdkWith(tokens.guest).joinById(players[0].room.roomId, { name: guest })));
  for (const p of players) bots.push(p.room);
  await readyAndStart(players);
  await playToTheEnd(players);
}

/** The names GET /leaderboard shows (all time). */
const leaderboardNames = async (http: string): Promise<string[]> => ((await getJson(`${http}/leaderboard`)).body.players ?? []).map((p: { name: string }) => p.name).sort();

describe("browser client: the leaderboard on the home screen", function () {
  this.timeout(90_000);
  const suite = browserSuite();

  /** The two games the specs look at, played once (whichever spec asks first). */
  let played: Promise<void> | null = null;
  const twoGames = () =>
    (played ??= (async () => {
      await playAGame(suite.server.ws, suite.bots, "Ada", "Bo");
      await playAGame(suite.server.ws, suite.bots, "Ada", "Cy");
      await until(async () => (await getJson(`${suite.server.http}/leaderboard`)).body.players?.length === 3, "both games on the leaderboard", 10_000);
    })());

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
});

/**
 * The history's failures for real: a server process on MySQL reached through a TCP proxy the test
 * cuts (the server itself answers 503 UNAVAILABLE), then the same process killed (no answer at all).
 */
describe("browser client: a player's games while the database or the server is away", function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: ServerProcess;
  let chrome: TestBrowser;
  const bots: Room<any>[] = [];

  before(async function () {
    requireBrowser(this);
    await requireMysql(this);
    ensureClientBuilt();
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 3306) });
    server = await startProcess({
      MYSQL_URL: proxy.url(db.url),
      // a request during the cut is answered within half a second
      STORE_HOLD_SECONDS: "0.5",
      // no answer kept: every click on a name is a query of the store, through the proxy
      LEADERBOARD_CACHE_SECONDS: "0",
    });
    chrome = await launchBrowser();
  });
  afterEach(async () => {
    await proxy?.restore();
  });
  after(async () => {
    for (const room of bots) {
      room.reconnection.enabled = false;
      // the rooms of a killed process have gone already: their leave() would never settle
      if (room.connection?.isOpen) await room.leave().catch(() => {});
    }
    await chrome?.close();
    await server?.stop("SIGKILL");
    await proxy?.close();
    await db?.drop();
  });

  let played: Promise<void> | null = null;
  const twoGames = () =>
    (played ??= (async () => {
      await playAGame(server.ws, bots, "Ada", "Bo");
      await playAGame(server.ws, bots, "Ada", "Cy");
      await until(async () => (await getJson(`${server.http}/leaderboard`)).body.players?.length === 3, "both games on the leaderboard", 10_000);
    })());

  it("shows the server's own 503 sentence when MySQL is cut off after the page loaded, and the games on Retry once it is back", async () => {
    await twoGames();
    const { page } = await chrome.person({ width: 1280, height: 800 });
    await openHome(page, server.http);
    await page.waitForSelector(`${BOARD}[data-state="ready"]`);

    await proxy.cut("refuse");
    // what the server answers meanwhile, asked once from here: the page must show that very sentence
    const refused = await getJson(`${server.http}/players/Cy/matches?limit=20`);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error?.code, "UNAVAILABLE");
    const sentence: string = refused.body.error.message;
    assert.equal(typeof sentence, "string");

    // a typed refusal: the server's sentence in an error toast, as every home-screen refusal; the panel offers Retry
    await page.click(playerLink("Cy"));
    await page.waitForSelector(`${HISTORY}[data-state="failed"]`);
    assert.equal(await page.getAttribute(HISTORY, "data-error"), "UNAVAILABLE");
    await expectErrorToast(page, new RegExp(`^${escapeRegExp(sentence)}`));
    assert.match((await page.textContent(byTestId("player-history-status"))) ?? "", /^Cy's games could not be loaded\. Retry$/);
    assert.deepEqual(await seriousViolations(page), [], "failed");

    // the database back: Retry shows Cy's one game, the focus stays in the panel
    await proxy.restore();
    await page.click(byTestId("player-history-retry"));
    await page.waitForSelector(`${HISTORY}[data-state="ready"]`);
    assert.equal(await page.getAttribute(HISTORY, "data-error"), null);
    assert.equal(await page.locator(byTestId("player-history-row")).count(), 1, "Cy played one game");
    assert.equal(await focusedTestId(page), "player-history-heading", "the focus stays in the panel after Retry");
  });

  // the last of this suite: it kills the suite's server
  it("says it cannot reach the game server when the server process was killed after the page loaded", async () => {
    await twoGames();
    const { page } = await chrome.person({ width: 1280, height: 800 });
    await openHome(page, server.http);
    await page.waitForSelector(`${BOARD}[data-state="ready"]`);

    // the bots' finished games go with the process: they are not to try to reconnect
    for (const room of bots) room.reconnection.enabled = false;
    await server.stop("SIGKILL");
    // nothing listens on the port any more
    await assert.rejects(fetch(`${server.http}/health`));
    await page.click(playerLink("Ada"));
    await page.waitForSelector(`${HISTORY}[data-state="failed"]`);
    assert.equal(await page.getAttribute(HISTORY, "data-error"), "NETWORK");
    await expectErrorToast(page, /Cannot reach the game server/);
    assert.match((await page.textContent(byTestId("player-history-status"))) ?? "", /^Ada's games could not be loaded\. Retry$/);
    assert.deepEqual(await seriousViolations(page), [], "unreachable");
  });
});

const TOKEN_SECRET = "an-e2e-secret-of-at-least-32-characters";

/** An HS256 player token for `sub`, as a game's account service would sign it. */
const tokenFor = (sub: string) =>
  new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("1h").sign(new TextEncoder().encode(TOKEN_SECRET));

/**
 * An empty history, for real: with player tokens on, a player is their identity, shown by the name
 * of their latest match, so a name stops having games of its own once its player plays on under
 * another one. A page that loaded the table before still shows the old name.
 */
describe("browser client: a player's games under player tokens", function () {
  this.timeout(90_000);
  const suite = browserSuite({ authJwtSecret: TOKEN_SECRET });

  it("says a name has no finished games once its player has played on under another name", async () => {
    const dee = await tokenFor("account-dee");
    const eve = await tokenFor("account-eve");
    await playAGame(suite.server.ws, suite.bots, "Dee", "Eve", { host: dee, guest: eve });
    await until(async () => (await leaderboardNames(suite.server.http)).join() === "Dee,Eve", "Dee and Eve on the leaderboard", 10_000);
    const { page } = await suite.chrome.person({ width: 1280, height: 800 });
    await openHome(page, suite.server.http);
    await page.waitForSelector(`${BOARD}[data-state="ready"]`);
    assert.equal(await page.isVisible(playerLink("Dee")), true);

    // Dee's player plays again, as Dana: the server now shows them as Dana, with both games
    await playAGame(suite.server.ws, suite.bots, "Dana", "Eve", { host: dee, guest: eve });
    await until(async () => (await leaderboardNames(suite.server.http)).join() === "Dana,Eve", "Dee shown as Dana", 10_000);
    assert.equal((await getJson(`${suite.server.http}/players/Dana/matches`)).body.matches?.length, 2);
    const asDee = await getJson(`${suite.server.http}/players/Dee/matches`);
    assert.deepEqual([asDee.status, asDee.body], [200, { matches: [] }]);

    // the page still shows the table it loaded: the name Dee opens an empty history, which says so
    await page.click(playerLink("Dee"));
    await page.waitForSelector(`${HISTORY}[data-state="empty"]`);
    assert.equal(await page.textContent(byTestId("player-history-status")), "Dee has no finished games yet.");
    assert.equal(await page.isHidden(byTestId("player-history-table")), true);
    assert.equal(await focusedTestId(page), "player-history-heading");
    assert.deepEqual(await seriousViolations(page), [], "empty");
    await page.click(byTestId("player-history-back"));
    assert.equal(await focusedName(page), "Dee", "the focus back on the name");
  });
});
