/** Browser e2e: refusals reach the person in words: a full room, an unknown code, a taken name, a started game. */
import assert from "node:assert/strict";
import { ColyseusSDK } from "@colyseus/sdk";
import { screenshot, browserSuite } from "../helpers/browser.ts";
import { until } from "../helpers/wait.ts";
import { byTestId, createRoom, expectErrorToast, joinByCode, openHome, setName, waitForLobbyNames } from "./steps.ts";

describe("browser client: refusals", function () {
  this.timeout(30_000);
  const suite = browserSuite();
  const { bots } = suite;

  it("tells a sixth player that the room is full, and reports a wrong code as not found", async () => {
    const a = await suite.chrome.person();
    await openHome(a.page, suite.server.http);
    await setName(a.page, "Ada");
    const code = await createRoom(a.page, { private: true, maxPlayers: 5 });

    // four more players fill the five seats
    const sdk = new ColyseusSDK(suite.server.ws);
    const { roomId } = (await (await fetch(`${suite.server.http}/rooms/${code}`)).json()) as { roomId: string };
    for (const name of ["Bo", "Cy", "Di", "Ed"]) {
      const room = await sdk.joinById(roomId, { name });
      room.onMessage("*", () => {});
      bots.push(room);
    }
    await waitForLobbyNames(a.page, ["Ada", "Bo", "Cy", "Di", "Ed"]);

    const f = await suite.chrome.person({ width: 360, height: 740 });
    await openHome(f.page, suite.server.http);
    await setName(f.page, "Fay");
    await joinByCode(f.page, code);
    await expectErrorToast(f.page, /full/i);
    assert.equal(await f.page.isVisible(byTestId("home")), true, "still on the home page");

    // a code no room has
    const wrong = code === "000000" ? "000001" : "000000";
    await joinByCode(f.page, wrong);
    await expectErrorToast(f.page, new RegExp(`No live room has the code ${wrong}`));

    // the same through a link
    await f.page.goto(`${suite.server.http}/?code=${wrong}`);
    await f.page.waitForSelector(byTestId("home"));
    await expectErrorToast(f.page, new RegExp(`No live room has the code ${wrong}`));

    await screenshot(f.page, "refusals");
  });

  it("tells a player whose name is taken, and one who comes after the start", async () => {
    const sdk = new ColyseusSDK(suite.server.ws);
    const host = await sdk.create("game", { name: "Hal", private: true, maxPlayers: 3 });
    host.onMessage("*", () => {});
    bots.push(host);
    const code = await until(() => host.state.code as string, "the code");

    const g = await suite.chrome.person();
    await openHome(g.page, suite.server.http);
    await setName(g.page, "hal");
    await joinByCode(g.page, code);
    await expectErrorToast(g.page, /name "hal" is already taken/i);

    const guest = await sdk.joinById(host.roomId, { name: "Gus" });
    guest.onMessage("*", () => {});
    bots.push(guest);
    host.send("ready", { ready: true });
    guest.send("ready", { ready: true });
    await until(() => [...host.state.players.values()].every((p: any) => p.ready), "both ready");
    host.send("start", {});
    await until(() => host.state.phase === "playing", "the start");

    await setName(g.page, "Gil");
    await joinByCode(g.page, code);
    await expectErrorToast(g.page, /already started/);
  });
});
