/** Browser e2e: the home page's live list of public rooms (no reloads): rooms appear, fill up, start, vanish. */
import assert from "node:assert/strict";
import { ColyseusSDK } from "@colyseus/sdk";
import { screenshot, browserSuite } from "../helpers/browser.ts";
import { until } from "../helpers/wait.ts";
import { byTestId, createRoom, openHome, setName, waitForLobbyNames } from "./steps.ts";

const listed = (code: string) => `${byTestId("room-item")}[data-code="${code}"]`;

describe("browser client: the live list of public rooms", function () {
  this.timeout(30_000);
  const suite = browserSuite();
  const { bots } = suite;

  it("shows a new public room without a reload, and drops it once it is full or has started", async () => {
    const watcher = await suite.chrome.person();
    await openHome(watcher.page, suite.server.http);
    await watcher.page.waitForSelector(byTestId("no-rooms"));

    // A opens a two-seat public room: it appears on the watcher's page, with the host's name
    const a = await suite.chrome.person();
    await openHome(a.page, suite.server.http);
    await setName(a.page, "Ada");
    const full = await createRoom(a.page, { maxPlayers: 2 });
    const item = watcher.page.locator(listed(full));
    await item.waitFor();
    assert.match((await item.textContent()) ?? "", /Ada's room.*1\/2 players/);
    await screenshot(watcher.page, "lobby-list-open");

    // C joins it from the list: two of two seats taken, so it leaves the list
    const c = await suite.chrome.person();
    await openHome(c.page, suite.server.http);
    await setName(c.page, "Cy");
    await c.page.click(`${listed(full)} ${byTestId("join-listed")}`);
    await c.page.waitForSelector(byTestId("waiting-room"));
    await waitForLobbyNames(a.page, ["Ada", "Cy"]);
    await watcher.page.locator(listed(full)).waitFor({ state: "detached" });

    // A room of three that starts with two players leaves the list when it starts
    const sdk = new ColyseusSDK(suite.server.ws);
    const host = await sdk.create("game", { name: "Hal", maxPlayers: 3 });
    bots.push(host);
    host.onMessage("*", () => {}); // acks and events: not what this spec watches
    await until(() => host.state.code, "the bot room's code");
    const starting = host.state.code as string;
    await watcher.page.locator(listed(starting)).waitFor();
    const guest = await sdk.joinById(host.roomId, { name: "Gus" });
    bots.push(guest);
    guest.onMessage("*", () => {});
    await watcher.page.waitForSelector(`${listed(starting)}:has-text("2/3 players")`);
    host.send("ready", { ready: true });
    guest.send("ready", { ready: true });
    await until(() => [...host.state.players.values()].every((p: any) => p.ready), "both bots ready");
    host.send("start", {});
    await watcher.page.locator(listed(starting)).waitFor({ state: "detached" });
    await watcher.page.waitForSelector(byTestId("no-rooms"));

    await screenshot(watcher.page, "lobby-list");
  });
});
