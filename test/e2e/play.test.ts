/**
 * Browser e2e: ready, start and play. The player not on turn has every action disabled; each move
 * shows up in the other browser (token on the new tile, money). Also the phone and desktop screenshots.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { ColyseusSDK } from "@colyseus/sdk";
import { choose } from "../helpers/players.ts";
import { until } from "../helpers/wait.ts";
import { screenshot, browserSuite } from "../helpers/browser.ts";
import { byTestId, joinByCode, openHome, playerRows, privatePair, readyAndStart, sessionIdOf, setName, type Row } from "./steps.ts";

const STARTING_MONEY = 1500;

async function actionStates(page: Page): Promise<Record<string, boolean>> {
  return page.$$eval('[data-testid="actions"] button', (buttons) =>
    Object.fromEntries(buttons.map((b) => [b.getAttribute("data-testid") ?? "", b.getAttribute("aria-disabled") !== "true"])),
  );
}

/** Waits until `page` shows the player `id` with the given position and money (and its token on that tile). */
async function waitForRow(page: Page, id: string, expected: Pick<Row, "position" | "money">) {
  await page.waitForFunction(
    ({ id, position, money }) => {
      const row = document.querySelector(`[data-testid="player-row"][data-session-id="${id}"]`) as HTMLElement | null;
      const token = document.querySelector(`[data-testid="tile-${position}"] [data-testid="token"][data-player="${id}"]`);
      return row && Number(row.dataset.position) === position && Number(row.dataset.money) === money && token !== null;
    },
    { id, ...expected },
  );
}

describe("browser client: playing a turn", function () {
  this.timeout(40_000);
  const suite = browserSuite();
  const { bots } = suite;

  it("starts when all are ready, and B sees A's token move and money change while B's buttons stay disabled", async () => {
    const a = await suite.chrome.person({ width: 1280, height: 800 });
    const b = await suite.chrome.person({ width: 360, height: 740 });
    await privatePair(suite.server.http, a.page, b.page);

    await readyAndStart(a.page, b.page);
    const ids = { a: await sessionIdOf(a.page), b: await sessionIdOf(b.page) };
    const pages: Record<string, Page> = { [ids.a]: a.page, [ids.b]: b.page };

    // Ada (seat 0) is first: her roll is enabled, Bo's is shown but disabled
    await a.page.waitForSelector(`${byTestId("action-roll")}[aria-disabled="false"]`);
    await b.page.waitForSelector(`${byTestId("action-roll")}[aria-disabled="true"]`);
    assert.match((await b.page.textContent(byTestId("turn-status"))) ?? "", /Ada/);

    // Whoever is on turn plays (roll, buy when offered, end), and after each action the other
    // browser must show the mover where the mover's own browser does; stop once money has moved.
    let moneyMoved = false;
    let sawMove = false;
    for (let step = 0; step < 40 && !(moneyMoved && sawMove); step++) {
      const rowsA = await playerRows(a.page);
      const onTurn = await a.page.$eval('[data-testid="player-row"].current', (el) => (el as HTMLElement).dataset.sessionId ?? "");
      const mover = pages[onTurn];
      const watcher = mover === a.page ? b.page : a.page;
      const enabled = await actionStates(mover);
      const idle = await actionStates(watcher);
      assert.ok(Object.values(idle).every((on) => !on), `the player not on turn has an enabled action: ${JSON.stringify(idle)}`);
      const action = enabled["action-roll"] ? "roll" : enabled["action-buy"] ? "buy" : enabled["action-end_turn"] ? "end_turn" : null;
      if (!action) {
        await mover.waitForTimeout(50);
        continue;
      }
      const before = rowsA.find((r) => r.sessionId === onTurn)!;
      const seqBefore = await mover.$$eval('[data-testid="event"]', (els) => els.length);
      await mover.click(byTestId(`action-${action}`));
      await mover.waitForFunction((n) => document.querySelectorAll('[data-testid="event"]').length > n, seqBefore);
      const after = (await playerRows(mover)).find((r) => r.sessionId === onTurn)!;
      await waitForRow(watcher, onTurn, after);
      if (after.position !== before.position) sawMove = true;
      if (after.money !== STARTING_MONEY) moneyMoved = true;
    }
    assert.ok(sawMove, "a token moved");
    assert.ok(moneyMoved, "a player's money changed");

    // the log tells what happened in words, with names and tiles
    const log = await b.page.$$eval('[data-testid="event"]', (els) => els.map((e) => e.textContent ?? ""));
    assert.ok(log.some((line) => /^(Ada|Bo) rolled \d \+ \d = \d+/.test(line)), `log: ${log.join(" | ")}`);
    assert.ok(log.some((line) => /The game has started/.test(line)));

    await screenshot(a.page, "game-desktop");
    await screenshot(b.page, "game-phone");
    await screenshot(b.page, "game-phone-full", { fullPage: true });
  });

  it("shows the winner and the ranking when the round limit ends the game", async () => {
    // a bot hosts a one-round game and plays its own turns by the stage
    const sdk = new ColyseusSDK(suite.server.ws);
    const hal = await sdk.create("game", { name: "Hal", private: true, maxPlayers: 2, maxRounds: 1 });
    bots.push(hal);
    hal.onMessage("*", () => {});
    let actedAt = -1;
    hal.onStateChange((state: any) => {
      const action = choose(state, hal.sessionId);
      if (action && state.seq !== actedAt) {
        actedAt = state.seq;
        hal.send(action, {});
      }
    });
    const code = await until(() => hal.state.code as string, "the code");

    const a = await suite.chrome.person({ width: 1280, height: 800 });
    await openHome(a.page, suite.server.http);
    await setName(a.page, "Ada");
    await joinByCode(a.page, code);
    await a.page.waitForSelector(byTestId("waiting-room"));
    await a.page.click(byTestId("ready-toggle"));
    hal.send("ready", { ready: true });
    await until(() => [...hal.state.players.values()].every((p: any) => p.ready), "both ready");
    hal.send("start", {});
    await a.page.waitForSelector(byTestId("game-screen"));

    const winner = a.page.locator(byTestId("winner"));
    for (let i = 0; i < 60 && !(await winner.isVisible()); i++) {
      const button = a.page.locator('[data-testid="actions"] button:not([aria-disabled="true"])').first();
      if (await button.count()) await button.click().catch(() => {});
      await a.page.waitForTimeout(100);
    }
    await winner.waitFor();
    const name = (await a.page.textContent(byTestId("winner-name"))) ?? "";
    const expected = hal.state.winner === hal.sessionId ? "Hal wins!" : "You win!";
    assert.equal(name, expected);
    assert.equal(await a.page.locator(`${byTestId("winner")} .ranking li`).count(), 2);
    await a.page.waitForSelector(`${byTestId("event")}[data-type="game_over"]`, { state: "attached" });
    await screenshot(a.page, "winner");

    await a.page.click(byTestId("back-home"));
    await a.page.waitForSelector(byTestId("home"));
  });
});
