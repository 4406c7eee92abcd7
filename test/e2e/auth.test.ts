/**
 * Browser e2e with player tokens on (AUTH_JWT_SECRET, AUTH_GUESTS=1): the web client asks GET /auth,
 * plays on guest tokens it keeps in localStorage, takes its seat back after a reload, and a second
 * device of the same guest takes the seat over (the first is told, and can take it back).
 */
import assert from "node:assert/strict";
import { screenshot, browserSuite } from "../helpers/browser.ts";
import { getJson } from "../helpers/wait.ts";
import { byTestId, openHome, privatePair, readyAndStart, sessionIdOf, setName } from "./steps.ts";

const TOKEN_KEY = "boardroom.playerToken";

describe("browser client: player tokens", function () {
  this.timeout(45_000);
  const suite = browserSuite({ authJwtSecret: "an-e2e-secret-of-at-least-32-characters", authGuests: true });

  it("plays on guest tokens, takes the seat back after a reload, and lets a second device of the same guest take it over", async () => {
    const a = await suite.chrome.person();
    const b = await suite.chrome.person({ width: 390, height: 844 });
    const code = await privatePair(suite.server.http, a.page, b.page);

    // each browser holds a guest token of its own, and the room seated each guest's identity
    const tokenOf = (page: typeof a.page) => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "null"), TOKEN_KEY);
    const [adaToken, boToken] = [await tokenOf(a.page), await tokenOf(b.page)];
    assert.equal(typeof adaToken?.token, "string");
    assert.notEqual(adaToken.token, boToken.token);
    const { roomId } = (await getJson(`${suite.server.http}/rooms/${code}`)).body;
    const room = suite.server.colyseus.getRoomById(roomId) as any;
    const identities = room.keeper.match.players.map((p: { identity: string | null }) => p.identity);
    assert.equal(identities.length, 2);
    assert.ok(identities.every((i: string | null) => i?.startsWith("guest:")), JSON.stringify(identities));

    await readyAndStart(a.page, b.page);
    const ada = await sessionIdOf(a.page);
    // Ada (seat 0) plays her roll
    await a.page.click(`${byTestId("action-roll")}[aria-disabled="false"]`);
    await b.page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);

    // a reload takes her own seat back
    await a.page.reload();
    await a.page.waitForSelector(byTestId("game-screen"));
    assert.equal(await sessionIdOf(a.page), ada);

    // her phone: the same guest token, the room's link; it takes the seat over, the laptop is told
    const phone = await suite.chrome.person({ width: 390, height: 844 });
    await phone.context.addInitScript(([key, value]) => localStorage.setItem(key, value), [TOKEN_KEY, JSON.stringify(adaToken)] as const);
    await openHome(phone.page, suite.server.http, `/?code=${code}`);
    await setName(phone.page, "Ada");
    await phone.page.click(byTestId("join-code"));
    await phone.page.waitForSelector(byTestId("game-screen"));
    assert.equal(await sessionIdOf(phone.page), ada);
    await a.page.waitForSelector(byTestId("taken-over"));
    assert.equal(room.keeper.match.players.length, 2);
    await screenshot(a.page, "auth-taken-over");

    // and back on the laptop
    await a.page.click(byTestId("play-here"));
    await a.page.waitForSelector(byTestId("game-screen"));
    assert.equal(await sessionIdOf(a.page), ada);
    await phone.page.waitForSelector(byTestId("taken-over"));
    await screenshot(b.page, "auth-guest-game");
  });
});
