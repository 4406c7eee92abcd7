/** Browser e2e: a reload mid-game resumes the same seat; a token that no longer works leads home with a message. */
import assert from "node:assert/strict";
import { ensureClientBuilt, launchBrowser, requireBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { byTestId, createRoom, expectErrorToast, joinByCode, openHome, playerRows, readyAndStart, sessionIdOf, setName } from "./steps.ts";

describe("browser client: reload and reconnection", function () {
  this.timeout(30_000);
  let server: TestServer;
  let chrome: TestBrowser;

  before(async function () {
    requireBrowser(this);
    ensureClientBuilt();
    server = await startServer({ reconnectSeconds: 15 });
    chrome = await launchBrowser();
  });
  after(async () => {
    await chrome?.close();
    await server?.stop();
  });

  it("puts B back in the same seat after a reload in the middle of a game", async () => {
    const a = await chrome.person();
    const b = await chrome.person();
    await openHome(a.page, server.http);
    await setName(a.page, "Ada");
    const code = await createRoom(a.page, { maxPlayers: 2 });
    await openHome(b.page, server.http);
    await setName(b.page, "Bo");
    await joinByCode(b.page, code);
    await b.page.waitForSelector(byTestId("waiting-room"));
    await readyAndStart(a.page, b.page);

    // Ada rolls, so the game is under way
    await a.page.click(byTestId("action-roll"));
    await b.page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);

    const before = await sessionIdOf(b.page);
    const seatBefore = (await playerRows(a.page)).find((r) => r.sessionId === before)!.seat;

    await b.page.reload();
    await b.page.waitForSelector(byTestId("game-screen"));
    assert.equal(await sessionIdOf(b.page), before, "the same sessionId");
    const mine = (await playerRows(b.page)).find((r) => r.sessionId === before)!;
    assert.equal(mine.seat, seatBefore, "the same seat");
    assert.equal(mine.name, "Bo");

    // Ada sees Bo connected again, in the same seat
    await a.page.waitForFunction(
      (id) => document.querySelector(`[data-testid="player-row"][data-session-id="${id}"]`)?.getAttribute("data-connected") === "true",
      before,
    );
    assert.equal((await playerRows(a.page)).find((r) => r.sessionId === before)!.seat, seatBefore);
    assert.equal(await b.page.locator(byTestId("banner")).isVisible(), false, "the reconnecting banner is gone");

    await screenshot(b.page, "reconnect-after-reload");
  });

  it("goes home and says so when the saved seat cannot be taken back", async () => {
    const c = await chrome.person();
    await openHome(c.page, server.http);
    await c.page.evaluate(() => sessionStorage.setItem("boardroom.seat", "no-such-room:no-such-token"));
    await c.page.reload();
    await c.page.waitForSelector(byTestId("home"));
    await expectErrorToast(c.page, /Could not return to your game/);
    assert.equal(await c.page.evaluate(() => sessionStorage.getItem("boardroom.seat")), null);
  });
});
