/** Browser e2e: a private room joined by a typed code and by the share link. */
import assert from "node:assert/strict";
import { screenshot, browserSuite } from "../helpers/browser.ts";
import { byTestId, createRoom, joinByCode, openHome, setName, waitForLobbyNames } from "./steps.ts";

describe("browser client: joining a private room", function () {
  this.timeout(30_000);
  const suite = browserSuite();

  it("lets B join with the typed code and C with the share link, and everyone sees everyone", async () => {
    const a = await suite.chrome.person();
    const b = await suite.chrome.person();
    const c = await suite.chrome.person({ width: 390, height: 844 });

    await openHome(a.page, suite.server.http);
    await setName(a.page, "Ada");
    const code = await createRoom(a.page, { private: true, maxPlayers: 4 });
    const link = await a.page.inputValue(byTestId("share-link"));
    assert.equal(link, `${suite.server.http}/?code=${code}`);

    // a private room is not in the public list
    await openHome(b.page, suite.server.http);
    await b.page.waitForSelector(`${byTestId("room-list")} li`);
    assert.equal(await b.page.locator(`[data-code="${code}"]`).count(), 0);

    await setName(b.page, "Bo");
    await joinByCode(b.page, code);
    await b.page.waitForSelector(byTestId("waiting-room"));

    // C follows the link without a saved name: asked for one, then joins the prefilled code
    await c.page.goto(link);
    await c.page.waitForSelector(byTestId("home"));
    assert.equal(await c.page.inputValue(byTestId("code-input")), code);
    await c.page.waitForSelector(`${byTestId("toast-info")}:has-text("Enter your name")`);
    await setName(c.page, "Cy");
    await c.page.click(byTestId("join-code"));
    await c.page.waitForSelector(byTestId("waiting-room"));

    for (const { page } of [a, b, c]) {
      await waitForLobbyNames(page, ["Ada", "Bo", "Cy"]);
      assert.equal(await page.textContent(byTestId("room-code")), code);
      assert.match((await page.textContent(byTestId("room-visibility"))) ?? "", /^Private room/);
      const host = page.locator(`${byTestId("lobby-player")}:has(${byTestId("host-badge")})`);
      assert.equal(await host.count(), 1);
      assert.match((await host.textContent()) ?? "", /Ada/);
    }
    // the host may not start alone with players not ready
    assert.equal(await a.page.isDisabled(byTestId("start-game")), true);
    assert.equal(await b.page.isVisible(byTestId("start-game")), false);

    // opening the site again in the same tab takes the seat back instead of joining anew
    await c.page.goto(suite.server.http);
    await c.page.waitForSelector(byTestId("waiting-room"));
    await waitForLobbyNames(a.page, ["Ada", "Bo", "Cy"]);

    await screenshot(a.page, "join-private-room");
    await screenshot(c.page, "join-private-room-phone");
  });
});
