/**
 * Browser e2e: a spectator watches a game in play from the home page's list (the game screen with
 * no controls and a "Spectating" label, following the moves), and two browsers play again after a
 * game (the host's "Play again", the other's "waiting for the host", then both in the waiting room).
 */
import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { ask, observe, PlayerSDK } from "../helpers/players.ts";
import { browserSuite, screenshot } from "../helpers/browser.ts";
import { until } from "../helpers/wait.ts";
import { byTestId, joinByCode, openHome, readyAndStart, setName, waitForLobbyNames } from "./steps.ts";

describe("browser client: watching a game, and playing again", function () {
  this.timeout(40_000);
  const suite = browserSuite({ minTurnSeconds: 0.05, awayTurnSeconds: 0.05 });
  const { bots } = suite;

  const bot = async (make: (sdk: PlayerSDK) => Promise<Room<any>>) => {
    const room = await make(new PlayerSDK(suite.server.ws));
    bots.push(room);
    return observe(room);
  };

  it("lists a game in play with a Watch button, and the spectator sees the board follow the moves, with no controls", async () => {
    const hal = await bot((sdk) => sdk.create("game", { name: "Hal", turnSeconds: 60 }));
    await until(() => hal.room.state.code, "the bots' room code");
    const gus = await bot((sdk) => sdk.joinById(hal.room.roomId, { name: "Gus" }));
    for (const b of [hal, gus]) assert.ok("seq" in (await ask(b, "ready", { ready: true })));
    assert.ok("seq" in (await ask(hal, "start")));

    const fan = await suite.chrome.person();
    await openHome(fan.page, suite.server.http);
    await setName(fan.page, "Fan");
    const item = fan.page.locator(`${byTestId("watch-item")}[data-code="${hal.room.state.code}"]`);
    await item.waitFor();
    assert.match((await item.textContent()) ?? "", /Hal's game.*2 playing/);
    await screenshot(fan.page, "spectate-list");
    await item.locator(byTestId("watch-listed")).click();

    await fan.page.waitForSelector(byTestId("game-screen"));
    await fan.page.waitForSelector(byTestId("spectating"));
    assert.equal(await fan.page.locator(`${byTestId("actions")} button`).count(), 0, "no controls for a spectator");
    await until(() => hal.room.state.spectators === 1, "the spectator counted");

    // Hal rolls: the spectator's board shows the dice and the log tells it
    const roll = await ask(hal, "roll");
    assert.ok("seq" in roll, JSON.stringify(roll));
    await fan.page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);
    await fan.page.waitForFunction(() => document.querySelectorAll('[data-testid="dice"] .die:not(.blank)').length === 2);
    assert.equal(await fan.page.locator(`${byTestId("actions")} button`).count(), 0, "still no controls");
    await screenshot(fan.page, "spectate-game");

    // on a phone: the same list and the same board, no controls
    const phone = await suite.chrome.person({ width: 360, height: 740 });
    await openHome(phone.page, suite.server.http);
    await setName(phone.page, "Pip");
    const listed = phone.page.locator(`${byTestId("watch-item")}[data-code="${hal.room.state.code}"]`);
    await listed.waitFor();
    await listed.scrollIntoViewIfNeeded();
    await screenshot(phone.page, "spectate-list-360");
    await listed.locator(byTestId("watch-listed")).click();
    await phone.page.waitForSelector(byTestId("spectating"));
    await phone.page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);
    assert.equal(await phone.page.locator(`${byTestId("actions")} button`).count(), 0, "no controls on the phone");
    await until(() => hal.room.state.spectators === 2, "both spectators counted");
    await screenshot(phone.page, "spectate-game-360");
  });

  it("closes the chat box to a spectator of a room without spectators' chat, and says a refused line under the box, not at the top of the page, at 360 px", async () => {
    const hal = await bot((sdk) => sdk.create("game", { name: "Hal", turnSeconds: 60, spectatorChat: false }));
    const code = await until(() => hal.room.state.code, "the room code");
    const gus = await bot((sdk) => sdk.joinById(hal.room.roomId, { name: "Gus" }));
    for (const b of [hal, gus]) assert.ok("seq" in (await ask(b, "ready", { ready: true })));
    assert.ok("seq" in (await ask(hal, "start")));

    const { page } = await suite.chrome.person({ width: 360, height: 740 });
    await openHome(page, suite.server.http);
    await setName(page, "Fan");
    await page.fill(byTestId("code-input"), code);
    await page.click(byTestId("watch-code"));
    await page.waitForSelector(byTestId("spectating"));
    // the room says so before anyone types: the box is closed to spectators, with the reason
    await page.locator(byTestId("chat-closed")).waitFor();
    assert.equal(await page.textContent(byTestId("chat-closed")), "Spectators cannot chat in this room.");
    assert.equal(await page.isDisabled(byTestId("chat-input")), true);
    assert.equal(await page.isDisabled(byTestId("chat-send")), true);
    await screenshot(page, "spectate-chat-closed-360", { fullPage: true });
    // and the server is the judge: a line sent all the same (the box opened by hand) is refused, and said under the box
    await page.$eval(byTestId("chat-input"), (el) => ((el as HTMLInputElement).disabled = false));
    await page.$eval(byTestId("chat-send"), (el) => ((el as HTMLButtonElement).disabled = false));
    // the chat box is at the bottom of a phone's page
    await page.fill(byTestId("chat-input"), "go Hal!");
    const before = await page.evaluate(() => window.scrollY);
    assert.ok(before > 100, `the page scrolled down to the chat box (${before}px)`);
    await page.click(byTestId("chat-send"));
    const refusal = page.locator(byTestId("chat-refusal"));
    await refusal.waitFor();
    assert.equal(await refusal.textContent(), "Spectators cannot chat in this room.");
    const after = await page.evaluate(() => window.scrollY);
    // at most the few pixels that bring the line under the box into view: not up to the top of the page
    assert.ok(after >= before && after - before < 80, `the page stayed where it was: ${before} -> ${after}px`);
    assert.ok(await refusal.isVisible() && (await refusal.boundingBox())!.y < 740, "the refusal is in view");
    assert.equal(await page.locator(byTestId("toast-error")).count(), 0, "no toast at the top of the page");
    assert.equal(hal.room.state.spectators, 1);
    await screenshot(page, "spectate-chat-refused-360");
  });

  it("plays again: after the game the host sees Play again and the other player waits for the host, then both are in the waiting room", async () => {
    // the bot hosts a one-round game with the shortest turns: the server plays it through at once
    const hal = await bot((sdk) => sdk.create("game", { name: "Hal", maxRounds: 1, turnSeconds: 0.05, private: true }));
    const code = await until(() => hal.room.state.code, "the room code");
    const ada = await suite.chrome.person();
    const bo = await suite.chrome.person({ width: 360, height: 740 });
    for (const [person, name] of [
      [ada, "Ada"],
      [bo, "Bo"],
    ] as const) {
      await openHome(person.page, suite.server.http);
      await setName(person.page, name);
      await joinByCode(person.page, code);
      await person.page.waitForSelector(byTestId("waiting-room"));
    }
    await waitForLobbyNames(ada.page, ["Hal", "Ada", "Bo"]);
    for (const page of [ada.page, bo.page]) await page.click(byTestId("ready-toggle"));
    assert.ok("seq" in (await ask(hal, "ready", { ready: true })));
    await until(() => [...hal.room.state.players.values()].every((p: any) => p.ready), "everyone ready");
    assert.ok("seq" in (await ask(hal, "start")));
    await until(() => hal.room.state.phase === "finished", "the one-round game to end", 15_000);
    for (const page of [ada.page, bo.page]) await page.waitForSelector(byTestId("winner"), { state: "visible" });
    // the bot (the host) goes home: the host role passes to Ada, the next seat
    await hal.room.leave();
    bots.splice(bots.indexOf(hal.room), 1);

    const playAgain = ada.page.locator(byTestId("play-again"));
    await playAgain.waitFor();
    await bo.page.waitForSelector(byTestId("waiting-for-host"));
    assert.equal(await bo.page.locator(byTestId("play-again")).count(), 0, "only the host has the button");
    await screenshot(ada.page, "rematch-result-host");
    await screenshot(bo.page, "rematch-result-guest-360");

    await playAgain.click();
    for (const page of [ada.page, bo.page]) await page.waitForSelector(byTestId("waiting-room"));
    await waitForLobbyNames(bo.page, ["Ada", "Bo"]);
    assert.equal(await ada.page.textContent(byTestId("room-code")), code, "the same room code");
    await screenshot(ada.page, "rematch-lobby");
    await screenshot(bo.page, "rematch-lobby-360", { fullPage: true });

    // the next game's log is that game's: nothing of the game before
    await readyAndStart(ada.page, bo.page);
    for (const page of [ada.page, bo.page]) {
      await page.waitForSelector(`${byTestId("event")}[data-type="game_started"]`);
      const types = await page.$$eval('[data-testid="event"]', (els) => els.map((e) => e.getAttribute("data-type")));
      // newest first: the oldest entry says the room plays again, and one game follows it (the
      // one-round game may be over already)
      assert.equal(types.at(-1), "rematch", `the log starts with the rematch: ${types.join(",")}`);
      assert.equal(types.filter((t) => t === "game_started").length, 1, `one start in the new log: ${types.join(",")}`);
      assert.ok(types.filter((t) => t === "game_over").length <= 1, `one end at most in the new log: ${types.join(",")}`);
    }
    await screenshot(bo.page, "rematch-next-game-360");
  });
});
