/** Browser e2e: a reload mid-game resumes the same seat; a token that no longer works leads home with a message. */
import assert from "node:assert/strict";
import { screenshot, browserSuite } from "../helpers/browser.ts";
import { byTestId, createRoom, expectErrorToast, joinByCode, openHome, playerRows, readyAndStart, sessionIdOf, setName } from "./steps.ts";

describe("browser client: reload and reconnection", function () {
  this.timeout(30_000);
  const suite = browserSuite({ reconnectSeconds: 15 });

  it("puts B back in the same seat after a reload in the middle of a game", async () => {
    const a = await suite.chrome.person();
    const b = await suite.chrome.person();
    await openHome(a.page, suite.server.http);
    await setName(a.page, "Ada");
    const code = await createRoom(a.page, { maxPlayers: 2 });
    await openHome(b.page, suite.server.http);
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
    // the server replays the log to the returning tab
    await b.page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);

    // Ada sees Bo connected again, in the same seat
    await a.page.waitForFunction(
      (id) => document.querySelector(`[data-testid="player-row"][data-session-id="${id}"]`)?.getAttribute("data-connected") === "true",
      before,
    );
    assert.equal((await playerRows(a.page)).find((r) => r.sessionId === before)!.seat, seatBefore);
    assert.equal(await b.page.locator(byTestId("banner")).isVisible(), false, "the reconnecting banner is gone");

    await screenshot(b.page, "reconnect-after-reload");
  });

  it("takes the seat back after the connection drops, with a Reconnecting banner meanwhile", async () => {
    const a = await suite.chrome.person();
    const b = await suite.chrome.person();
    await openHome(a.page, suite.server.http);
    await setName(a.page, "Ann");
    const code = await createRoom(a.page, { maxPlayers: 2 });
    await openHome(b.page, suite.server.http);
    await setName(b.page, "Ben");
    await joinByCode(b.page, code);
    await b.page.waitForSelector(byTestId("waiting-room"));
    await readyAndStart(a.page, b.page);
    const id = await sessionIdOf(b.page);

    // every banner B shows is written down, so a short one is not missed
    await b.page.evaluate(() => {
      const seen: string[] = [];
      (window as any).__banners = seen;
      const banner = document.querySelector('[data-testid="banner"]')!;
      new MutationObserver(() => {
        if (!(banner as HTMLElement).hidden) seen.push(banner.textContent ?? "");
      }).observe(banner, { attributes: true, childList: true, characterData: true, subtree: true });
    });

    // the server loses B's socket without a close handshake (what a network cut looks like)
    const { roomId } = (await (await fetch(`${suite.server.http}/rooms/${code}`)).json()) as { roomId: string };
    const room = suite.server.colyseus.getRoomById(roomId) as any;
    const client = room.clients.find((c: any) => c.sessionId === id);
    client.ref.terminate();

    await b.page.waitForFunction(() => ((window as any).__banners as string[]).some((t) => /Reconnecting/.test(t)));
    await b.page.waitForFunction(() => (document.querySelector('[data-testid="banner"]') as HTMLElement).hidden);
    await b.page.waitForSelector(byTestId("game-screen"));
    assert.equal(await sessionIdOf(b.page), id, "the same sessionId");
    await a.page.waitForFunction(
      (sid) => document.querySelector(`[data-testid="player-row"][data-session-id="${sid}"]`)?.getAttribute("data-connected") === "true",
      id,
    );
    // and B can still play: the buttons follow the turn again
    await b.page.waitForSelector(`${byTestId("action-roll")}[aria-disabled="true"]`);
    await a.page.click(byTestId("action-roll"));
    await b.page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);
  });

  it("goes home and says so when the saved seat cannot be taken back", async () => {
    const c = await suite.chrome.person();
    await openHome(c.page, suite.server.http);
    await c.page.evaluate(() => sessionStorage.setItem("boardroom.seat", "no-such-room:no-such-token"));
    await c.page.reload();
    await c.page.waitForSelector(byTestId("home"));
    await expectErrorToast(c.page, /Could not return to your game/);
    assert.equal(await c.page.evaluate(() => sessionStorage.getItem("boardroom.seat")), null);
  });
});
