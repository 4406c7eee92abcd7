/**
 * Browser e2e: a client that everyone can use. axe-core finds no "serious" or "critical" violation
 * on any screen (home, waiting room, game, result, replay viewer, the spectator's view) at 1280x800 and at 360x740, each screen saved as
 * test-results/a11y-<screen>-<width>.png; the round limit and turn time chosen on the home screen are
 * the room's; Enter in the name field submits; the focus stays on a control after every action; a
 * home-screen toast does not follow the player into the waiting room and covers no control; the
 * board is one tab stop with a skip link past it; the log and the chat read out what happens, not
 * the history a page gets on (re)joining; a turn the server played says so in the log; and no tile
 * name is broken inside a word.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { ColyseusSDK, type Room } from "@colyseus/sdk";
import { choose } from "../helpers/players.ts";
import { until } from "../helpers/wait.ts";
import { screenshot, browserSuite } from "../helpers/browser.ts";
import { byTestId, createRoom, joinByCode, openHome, setName } from "./steps.ts";

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

/** A bot that plays its own turns by the stage, as soon as they come. */
function playsItsTurns(room: Room<any>) {
  let actedAt = -1;
  room.onStateChange((state: any) => {
    const action = choose(state, room.sessionId);
    if (action && state.seq !== actedAt) {
      actedAt = state.seq;
      room.send(action, {});
    }
  });
}

/** What has the focus in the page: its tag and test id ("BODY" when nothing does). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { tag: el?.tagName ?? "BODY", id: el?.dataset.testid ?? "", disabled: el?.getAttribute("aria-disabled") ?? null };
  });

const CONTROLS = new Set(["BUTTON", "INPUT", "SELECT", "TEXTAREA", "A"]);

describe("browser client: for everyone (accessibility, keyboard, focus, toasts, tile names)", function () {
  this.timeout(90_000);
  const suite = browserSuite({ minTurnSeconds: 0.5, awayTurnSeconds: 0.5 });
  const { bots } = suite;

  /** A bot hosts a private two-seat room with `options` and plays its own turns; the page joins it by code. */
  async function joinBotRoom(page: Page, name: string, options: Record<string, unknown>, plays = true) {
    const sdk = new ColyseusSDK(suite.server.ws);
    const host = await sdk.create("game", { name: "Hal", private: true, maxPlayers: 2, ...options });
    bots.push(host);
    host.onMessage("*", () => {});
    if (plays) playsItsTurns(host);
    const code = await until(() => host.state.code as string, "the bot room's code");
    await openHome(page, suite.server.http);
    await setName(page, name);
    await joinByCode(page, code);
    await page.waitForSelector(byTestId("waiting-room"));
    return host;
  }

  async function startWith(page: Page, host: Room<any>) {
    await page.click(byTestId("ready-toggle"));
    host.send("ready", { ready: true });
    await until(() => [...host.state.players.values()].every((p: any) => p.ready), "both ready");
    host.send("start", {});
    await page.waitForSelector(byTestId("game-screen"));
  }

  for (const viewport of [DESKTOP, PHONE]) {
    it(`finds no serious or critical axe-core violation on home, waiting room, game, result and its replay at ${viewport.width}px`, async () => {
      const { page } = await suite.chrome.person(viewport);
      await openHome(page, suite.server.http);
      await checkScreen(page, "home");

      // a one-round game with 20 s turns, chosen on the home screen
      await setName(page, "Ann");
      await page.fill(byTestId("max-rounds"), "1");
      await page.selectOption(byTestId("turn-seconds"), "20");
      const code = await createRoom(page, { private: true, maxPlayers: 2 });
      const sdk = new ColyseusSDK(suite.server.ws);
      const room = await fetch(`${suite.server.http}/rooms/${code}`).then((r) => r.json());
      const bo = await sdk.joinById(room.roomId, { name: "Bo" });
      bots.push(bo);
      bo.onMessage("*", () => {});
      playsItsTurns(bo);
      await until(() => bo.state.maxRounds, "the state");
      assert.equal(bo.state.maxRounds, 1, "the round limit chosen");
      assert.equal(bo.state.turnSeconds, 20, "the turn time chosen");
      bo.send("ready", { ready: true });
      await page.locator(`${byTestId("lobby-player")}[data-ready="true"]`).waitFor();
      await checkScreen(page, "waiting");

      await page.click(byTestId("ready-toggle"));
      await page.click(byTestId("start-game"));
      await page.waitForSelector(byTestId("game-screen"));
      await checkScreen(page, "game");

      // Ann plays her one turn; Bo plays his: the round limit ends the game
      const winner = page.locator(byTestId("winner"));
      for (let i = 0; i < 100 && !(await winner.isVisible()); i++) {
        const action = page.locator(`${byTestId("actions")} button[aria-disabled="false"]`).first();
        if (await action.count()) await action.click().catch(() => {});
        await page.waitForTimeout(100);
      }
      await winner.waitFor();
      await checkScreen(page, "result");

      // the finished match in the replay viewer, stepped to its end
      const match = await until(async () => {
        const recent = await fetch(`${suite.server.http}/matches/recent`).then((r) => r.json());
        return (recent.matches as Array<{ id: number; code: string }>).find((m) => m.code === code) ?? null;
      }, "the match recorded");
      await page.goto(`${suite.server.http}/?replay=${match.id}`);
      await page.waitForSelector('[data-testid="replay-screen"][data-state="ready"]');
      await checkScreen(page, "replay");
      await page.click(byTestId("replay-last"));
      await checkScreen(page, "replay-end");
    });
  }

  for (const viewport of [DESKTOP, PHONE]) {
    it(`finds no serious or critical axe-core violation on the spectator's view at ${viewport.width}px`, async () => {
      const sdk = new ColyseusSDK(suite.server.ws);
      const host = await sdk.create("game", { name: "Hal", turnSeconds: 60 });
      bots.push(host);
      host.onMessage("*", () => {});
      await until(() => host.state.code, "the bots' room code");
      const guest = await sdk.joinById(host.roomId, { name: "Gus" });
      bots.push(guest);
      guest.onMessage("*", () => {});
      await until(() => host.state.players.size === 2, "both seated");
      host.send("ready", { ready: true });
      guest.send("ready", { ready: true });
      await until(() => [...host.state.players.values()].every((p: any) => p.ready), "both ready");
      host.send("start", {});

      const { page } = await suite.chrome.person(viewport);
      await openHome(page, suite.server.http);
      await setName(page, "Fan");
      const item = page.locator(`${byTestId("watch-item")}[data-code="${host.state.code}"]`);
      await item.waitFor();
      await checkScreen(page, "home-watchable");
      await item.locator(byTestId("watch-listed")).click();
      await page.waitForSelector(byTestId("spectating"));
      await checkScreen(page, "spectator");
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

  it("keeps the focus on a control after every action: home, waiting room and each move of a game", async () => {
    const { page } = await suite.chrome.person(DESKTOP);
    // a refused join: the focus comes back to the form, not the body
    await openHome(page, suite.server.http);
    await setName(page, "Ann");
    await page.fill(byTestId("code-input"), "000000");
    await page.focus(byTestId("join-code"));
    await page.keyboard.press("Enter");
    await page.locator(byTestId("toast-error")).first().waitFor();
    assert.ok(CONTROLS.has((await focused(page)).tag), JSON.stringify(await focused(page)));

    const host = await joinBotRoom(page, "Cy", { turnSeconds: 60 });
    // the waiting room puts the focus on Ready; toggling it keeps it there
    assert.equal((await focused(page)).id, "ready-toggle");
    await page.keyboard.press("Enter");
    await page.locator(`${byTestId("lobby-player")}[data-ready="true"]`).first().waitFor();
    await page.waitForTimeout(100);
    assert.equal((await focused(page)).id, "ready-toggle");
    await page.keyboard.press("Enter");
    await page.locator(`${byTestId("lobby-player")}[data-ready="false"]`).first().waitFor();
    assert.equal((await focused(page)).id, "ready-toggle");

    await startWith(page, host);
    // the game screen's first action has the focus; every move by keyboard leaves it on an action
    const first = await focused(page);
    assert.match(first.id, /^action-/, JSON.stringify(first));
    let moves = 0;
    for (let i = 0; i < 200 && moves < 6 && (await page.getAttribute(byTestId("app"), "data-phase")) === "playing"; i++) {
      const now = await focused(page);
      assert.ok(CONTROLS.has(now.tag) && now.tag !== "BODY", `focus lost after ${moves} moves: ${JSON.stringify(now)}`);
      if (now.id.startsWith("action-") && now.disabled === "false") {
        const events = await page.locator(byTestId("event")).count();
        await page.keyboard.press("Enter");
        await page.waitForFunction((n) => document.querySelectorAll('[data-testid="event"]').length > n, events);
        moves++;
        await page.waitForTimeout(50);
        const after = await focused(page);
        assert.match(after.id, /^action-|^show-results$/, `after move ${moves}: ${JSON.stringify(after)}`);
      } else {
        await page.waitForTimeout(50);
      }
    }
    assert.ok(moves >= 3, `only ${moves} moves made by keyboard`);
    // the player's own rolls are told as theirs, not as the server's
    const own = await page.$$eval(`${byTestId("event")}[data-type="dice_rolled"]:not([data-auto])`, (els) => els.map((e) => e.textContent ?? ""));
    assert.ok(own.some((line) => /^Cy rolled \d \+ \d/.test(line)), JSON.stringify(own));
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
    // and it is in view, below the sticky header, even when the page had been scrolled to the code field
    const top = await toast.evaluate((el) => el.getBoundingClientRect().top);
    const header = await page.$eval(".topbar", (el) => el.getBoundingClientRect().bottom);
    assert.ok(top >= header && top < 740, `the toast's top at ${top}px, the header's bottom at ${header}px`);
    await screenshot(page, "a11y-toast-home-360");

    // within its 7 s the player creates a room: the home screen's toast does not come along
    await createRoom(page);
    assert.equal(await page.locator(byTestId("toast-error")).count(), 0, "a home toast in the waiting room");
    assert.equal(await page.locator(byTestId("toasts")).count(), 1, "one toast region, the waiting room's");
  });

  it("makes the board one tab stop that the arrow keys move along, with a skip link past it", async () => {
    const { page } = await suite.chrome.person(DESKTOP);
    const host = await joinBotRoom(page, "Di", { turnSeconds: 60 }, false);
    await startWith(page, host);
    const stops = await page.$$eval(".tile", (tiles) => tiles.filter((t) => t.getAttribute("tabindex") !== "-1").length);
    assert.equal(stops, 1, "tab stops among the 40 tiles");
    await page.focus(byTestId("tile-0"));
    await page.keyboard.press("ArrowLeft"); // Go is bottom-right: left is the next tile of play
    assert.equal((await focused(page)).id, "tile-1");
    await page.keyboard.press("ArrowLeft");
    assert.equal((await focused(page)).id, "tile-2");
    await page.keyboard.press("End");
    assert.equal((await focused(page)).id, "tile-39");
    // the tile that has the focus is now the board's one stop
    assert.deepEqual(await page.$$eval('.tile[tabindex="0"]', (t) => t.map((e) => e.getAttribute("data-testid"))), ["tile-39"]);
    // Enter shows the tile, by its full name
    await page.keyboard.press("Enter");
    await page.locator(byTestId("tile-dialog")).waitFor();
    assert.match((await page.textContent(`${byTestId("tile-dialog")} h3`)) ?? "", /Boardwalk/);
    await page.keyboard.press("Escape");

    // the skip link is the screen's first stop and takes the focus past the board
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.focus(byTestId("skip-board"));
    assert.equal(await page.$eval(byTestId("skip-board"), (el) => getComputedStyle(el).opacity), "1", "the skip link shows when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "game-side");
    await page.keyboard.press("Tab");
    const next = await page.evaluate(() => !!document.activeElement?.closest("#game-side"));
    assert.ok(next, "the next stop after the skip is past the board");
  });

  it("does not read out the moves and chat from before a reload as news, and reads out the moves after it", async () => {
    const { page } = await suite.chrome.person(DESKTOP);
    const host = await joinBotRoom(page, "Eve", { turnSeconds: 60 });
    host.send("chat", { text: "good luck" });
    await startWith(page, host);
    // the bot (seat 0) plays its turn at once: then it is the page's turn, with a history behind it
    const roll = `${byTestId("action-roll")}[aria-disabled="false"]`;
    await page.waitForSelector(roll);
    await page.locator(byTestId("chat-log"), { hasText: "good luck" }).waitFor();
    const before = await page.locator(byTestId("event")).count();
    assert.ok(before >= 3, `${before} moves before the reload`);

    // every addition to the log and the chat, with the region's aria-live at that moment
    await page.addInitScript(() => {
      const seen: { id: string; live: string | null; added: number }[] = [];
      (window as any).__liveAdds = seen;
      new MutationObserver((records) => {
        for (const r of records) {
          const id = (r.target as HTMLElement).dataset?.testid ?? "";
          if ((id === "event-log" || id === "chat-log") && r.addedNodes.length > 0) seen.push({ id, live: (r.target as HTMLElement).getAttribute("aria-live"), added: r.addedNodes.length });
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.reload();
    await page.waitForSelector(roll);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="event"]').length >= n, before);
    await page.waitForFunction(() => document.querySelector('[data-testid="event-log"]')?.getAttribute("aria-live") === "polite");
    const history = (await page.evaluate(() => (window as any).__liveAdds)) as { id: string; live: string | null; added: number }[];
    assert.ok(history.some((a) => a.id === "event-log" && a.live === "off"), JSON.stringify(history));
    assert.ok(history.some((a) => a.id === "chat-log" && a.live === "off"), JSON.stringify(history));
    assert.deepEqual(history.filter((a) => a.live !== "off"), [], "history read out as news");

    // a move after the page is back is news: the region is live for it
    await page.click(roll);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="event"]').length > n, before);
    const after = (await page.evaluate(() => (window as any).__liveAdds)) as { id: string; live: string | null }[];
    assert.ok(after.some((a) => a.id === "event-log" && a.live === "polite"), JSON.stringify(after));
  });

  it("says in the log when the server played a turn because time ran out", async () => {
    const { page } = await suite.chrome.person(DESKTOP);
    // nobody plays: a second per turn, then the server plays it
    const host = await joinBotRoom(page, "Ann", { turnSeconds: 1 }, false);
    await startWith(page, host);
    const marked = page.locator(`${byTestId("event")}[data-auto="true"][data-type="dice_rolled"]`, { hasText: "the server rolled for Ann" });
    await marked.first().waitFor({ timeout: 15_000 });
    assert.match((await marked.first().textContent()) ?? "", /Time ran out: the server rolled for Ann: \d \+ \d = \d+/);
    await page.locator(`${byTestId("event")}[data-auto="true"]`, { hasText: "the server rolled for Hal" }).first().waitFor();
    // a roll of one's own is told as before
    const own = await page.$$eval(`${byTestId("event")}[data-type="dice_rolled"]:not([data-auto])`, (els) => els.length);
    assert.equal(own, 0, "no roll was the players' own");
    await screenshot(page, "a11y-server-played-1280");
  });

  it("never breaks a tile name inside a word, at 1280, 1000 and 1920 px", async () => {
    for (const viewport of [DESKTOP, { width: 1000, height: 800 }, { width: 1920, height: 1080 }]) {
      const { page } = await suite.chrome.person(viewport);
      const host = await joinBotRoom(page, "Ed", { turnSeconds: 60 }, false);
      await startWith(page, host);
      const report = await page.evaluate(() => {
        const broken: string[] = [];
        let words = 0;
        for (const name of document.querySelectorAll<HTMLElement>(".tile-name")) {
          if (name.getClientRects().length === 0) continue; // hidden on small boards
          const tile = name.closest(".tile")!.getBoundingClientRect();
          const text = name.firstChild as Text;
          for (const m of text.data.matchAll(/\S+/g)) {
            words++;
            const range = document.createRange();
            range.setStart(text, m.index!);
            range.setEnd(text, m.index! + m[0].length);
            const rects = [...range.getClientRects()];
            const lines = new Set(rects.map((r) => Math.round(r.top)));
            const inside = rects.every((r) => r.left >= tile.left - 0.5 && r.right <= tile.right + 0.5);
            if (lines.size > 1 || !inside) broken.push(`"${m[0]}" in ${name.closest(".tile")!.getAttribute("data-testid")} (${lines.size} lines, inside: ${inside})`);
          }
        }
        return { broken, words };
      });
      assert.ok(report.words > 40, `only ${report.words} words measured`);
      assert.deepEqual(report.broken, [], `at ${viewport.width}px`);
    }
  });
});
