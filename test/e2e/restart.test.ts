/**
 * Browser e2e: a game outlives its server process (MySQL). The server is killed with SIGKILL and
 * started again on the same port: the page takes its seat back by token without a reload, says the
 * server is restarting meanwhile, and plays on. A tab opened later from the room link is back in its
 * seat too. A spectator's tab watches again after a deploy (SIGTERM) and after a reload, without a
 * seat to take back.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Room } from "@colyseus/sdk";
import { ensureClientBuilt, launchBrowser, requireBrowser, screenshot, type TestBrowser } from "../helpers/browser.ts";
import { createTestDatabase, requireMysql, type TestDatabase } from "../helpers/mysql.ts";
import { PlayerSDK, ask, choose, observe, rejoinSeat, type Observed } from "../helpers/players.ts";
import { startProcess, type ServerProcess } from "../helpers/process.ts";
import { getJson, until } from "../helpers/wait.ts";
import { byTestId, createRoom, openHome, playerRows, readyAndStart, sessionIdOf, setName } from "./steps.ts";

const RECONNECT_SECONDS = 5;
const FAST = {
  HEARTBEAT_SECONDS: "0.2",
  STALE_PROCESS_SECONDS: "1",
  RECONNECT_SECONDS: String(RECONNECT_SECONDS),
  MIN_TURN_SECONDS: "1",
};

/** A bot player that plays its own turns (every answer kept), from now until its room is gone. */
function autoplay(o: Observed, refusals: string[]) {
  let acting = false;
  const tick = async () => {
    const action = choose(o.room.state, o.room.sessionId);
    if (acting || !action) return;
    acting = true;
    try {
      const answer = await ask(o, action);
      if ("code" in answer) refusals.push(`${action}: ${answer.code}`);
    } catch {
      // the room went away mid-question (the server was killed): the bot rejoins and starts again
    } finally {
      acting = false;
    }
    void tick();
  };
  o.room.onStateChange(() => void tick());
  void tick();
}

/** Every text the page's banner shows, written down as it changes, so a short one is not missed. */
async function recordBanners(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as any).__banners = seen;
    const banner = document.querySelector('[data-testid="banner"]') as HTMLElement;
    new MutationObserver(() => {
      if (!banner.hidden) seen.push(banner.textContent ?? "");
    }).observe(banner, { attributes: true, childList: true, characterData: true, subtree: true });
  });
}

const banners = (page: Page) => page.evaluate(() => (window as any).__banners as string[]);

const rowOf = async (page: Page, sessionId: string) => (await playerRows(page)).find((r) => r.sessionId === sessionId);

describe("browser client: a game outlives a server restart", function () {
  this.timeout(90_000);
  let db: TestDatabase;
  let server: ServerProcess;
  let chrome: TestBrowser;
  const bots: Room<any>[] = [];

  before(async function () {
    requireBrowser(this);
    await requireMysql(this);
    ensureClientBuilt();
    db = await createTestDatabase();
    server = await startProcess({ MYSQL_URL: db.url, ...FAST });
    chrome = await launchBrowser();
  });
  after(async () => {
    for (const room of bots) {
      room.reconnection.enabled = false;
      // a room of the killed process has left already: its leave() would never settle
      if (room.connection?.isOpen) await room.leave().catch(() => {});
    }
    await chrome?.close();
    await server?.stop("SIGKILL");
    await db?.drop();
  });

  /** A bot takes the second seat of room `code`, gets ready and plays its own turns. */
  async function botJoins(code: string, refusals: string[]): Promise<Observed> {
    const { body } = await getJson(`${server.http}/rooms/${code}`);
    const room = await new PlayerSDK(server.ws).joinById(body.roomId, { name: "Bot" });
    bots.push(room);
    const bot = observe(room);
    await ask(bot, "ready", { ready: true });
    autoplay(bot, refusals);
    return bot;
  }

  /** A page that creates a two-seat room, a bot that joins it, and the game started. */
  async function gameWithBot(name: string) {
    const person = await chrome.person();
    const refusals: string[] = [];
    await openHome(person.page, server.http);
    await setName(person.page, name);
    const code = await createRoom(person.page, { maxPlayers: 2 });
    const joinedAt = Date.now();
    const bot = await botJoins(code, refusals);
    await readyAndStart(person.page);
    return { ...person, code, bot, refusals, joinedAt };
  }

  it("takes the seat back in place after SIGKILL and a restart on the same port, says the server is restarting meanwhile, and plays on", async () => {
    const { page, code, bot, refusals, joinedAt } = await gameWithBot("Ada");
    const id = await sessionIdOf(page);
    // the page is seat 0 and on turn first: it rolls, so the game is under way
    await page.click(byTestId("action-roll"));
    await page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);
    const seat = (await rowOf(page, id))!.seat;
    assert.ok(await page.evaluate((c) => localStorage.getItem(`boardroom.seatToken.${c}`), code), "the seat token is stored for the room");
    const botToken = bot.seats.at(-1)!;
    assert.ok(botToken, "the bot got its seat token");

    await recordBanners(page);
    // a document-level mark: a reload or a navigation would lose it
    await page.evaluate(() => ((window as any).__sameDocument = true));
    // the page's first ask for its seat is held until the notice is on screen
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let rejoins = 0;
    await page.route("**/rooms/*/rejoin", async (route) => {
      rejoins++;
      await held;
      await route.continue();
    });

    // the SDK reconnects by itself only a room joined at least 5 s ago (reconnection.minUptime): the
    // page is to see its own reconnection fail on the new process, as after any real crash
    await new Promise((r) => setTimeout(r, Math.max(0, joinedAt + 5500 - Date.now())));
    bot.room.reconnection.enabled = false;
    await server.stop("SIGKILL");
    server = await startProcess({ MYSQL_URL: db.url, ...FAST }, { port: server.port });

    // the bot takes its seat back by token too, and plays on
    const botBack = await rejoinSeat(server, code, botToken);
    bots.push(botBack.room);
    autoplay(botBack, refusals);

    // the SDK's own reconnection cannot work on the new process; the page asks by token and says why
    await page.locator(byTestId("banner"), { hasText: /The server is restarting, getting your seat back/ }).waitFor({ timeout: 20_000 });
    assert.equal(await page.getAttribute(byTestId("app"), "data-connection"), "rejoining");
    await page.waitForSelector(byTestId("game-screen")); // the board stays on screen meanwhile
    await screenshot(page, "restart-rejoining");
    release();

    await page.waitForSelector(`${byTestId("app")}[data-connection="connected"]`, { timeout: 20_000 });
    await page.waitForFunction(() => (document.querySelector('[data-testid="banner"]') as HTMLElement).hidden);
    await page.unroute("**/rooms/*/rejoin");
    assert.ok(rejoins >= 1);
    assert.equal(await page.evaluate(() => (window as any).__sameDocument), true, "no reload, no navigation");
    assert.equal(await sessionIdOf(page), id, "the same sessionId");
    await page.waitForFunction(
      (sid) => document.querySelector(`[data-testid="player-row"][data-session-id="${sid}"]`)?.getAttribute("data-connected") === "true",
      id,
    );
    assert.equal((await rowOf(page, id))!.seat, seat, "the same seat");
    assert.ok((await banners(page)).some((t) => /server is restarting/.test(t)));
    await until(() => botBack.room.state.players?.get(id)?.connected === true, "the bot to see the page's player back");

    // the game goes on: on its turn, the page makes a move and the server accepts it
    const action = page.locator('[data-testid="actions"] button[aria-disabled="false"]').first();
    await action.waitFor({ timeout: 20_000 });
    const seqBefore = botBack.room.state.seq;
    await action.click();
    await until(() => botBack.events.find((e) => e.player === id && e.seq > seqBefore), "an event of the page's move", 10_000);
    assert.equal(await page.locator(byTestId("toast-error")).count(), 0, "no error shown");
    assert.deepEqual(refusals, []);
    await screenshot(page, "restart-after-crash");
  });

  it("puts a tab opened later from the room link (/?code=) back in its seat, and forgets the seat on a deliberate leave", async () => {
    const { context, page, code, bot } = await gameWithBot("Cleo");
    const id = await sessionIdOf(page);
    const seat = (await rowOf(page, id))!.seat;
    await page.close();
    await until(() => bot.room.state.players.get(id)?.connected === false, "the bot to see the tab gone");
    // past the reconnection window: the seat is held for its token alone
    await new Promise((r) => setTimeout(r, RECONNECT_SECONDS * 1000 + 500));

    const again = await context.newPage();
    again.on("pageerror", (e) => console.log(`      [page error] ${e.message}`));
    await again.addInitScript(() => {
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="home"]')) (window as any).__sawHome = true;
      }).observe(document, { childList: true, subtree: true });
    });
    await again.goto(`${server.http}/?code=${code}`);
    await again.waitForSelector(byTestId("game-screen"));
    await again.waitForSelector(`${byTestId("app")}[data-connection="connected"]`);
    assert.equal(await sessionIdOf(again), id, "the same sessionId");
    assert.equal((await rowOf(again, id))!.seat, seat, "the same seat");
    assert.equal(await again.evaluate(() => (window as any).__sawHome ?? false), false, "the join form was not shown");
    await until(() => bot.room.state.players.get(id)?.connected === true, "the bot to see the player back");
    await screenshot(again, "restart-back-from-link");

    again.on("dialog", (d) => void d.accept());
    await again.click(byTestId("leave-room"));
    await again.waitForSelector(byTestId("home"));
    assert.equal(await again.evaluate((c) => localStorage.getItem(`boardroom.seatToken.${c}`), code), null, "the seat token is forgotten");
  });

  it("brings a spectator back to the game after a deploy (SIGTERM and a restart on the same port) and after a reload, and lets them stop watching without a forfeit prompt", async () => {
    // two bots play a private game; the page watches it by its code
    const hal = observe(await new PlayerSDK(server.ws).create("game", { name: "Hal", private: true, turnSeconds: 60 }));
    bots.push(hal.room);
    const code = await until(() => hal.room.state.code, "the room code");
    const gus = observe(await new PlayerSDK(server.ws).joinById(hal.room.roomId, { name: "Gus" }));
    bots.push(gus.room);
    for (const b of [hal, gus]) assert.ok("seq" in (await ask(b, "ready", { ready: true })));
    assert.ok("seq" in (await ask(hal, "start")));
    assert.ok("seq" in (await ask(hal, "roll")));

    const { page } = await chrome.person({ width: 360, height: 740 });
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await openHome(page, server.http);
    await setName(page, "Fan");
    await page.fill(byTestId("code-input"), code);
    await page.click(byTestId("watch-code"));
    await page.waitForSelector(byTestId("spectating"));
    await page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);
    assert.equal(await page.textContent(byTestId("leave-room")), "Stop watching");
    await until(() => hal.room.state.spectators === 1, "the spectator counted");

    // a reload watches the same game again (a new spectator connection, the old one gone)
    await page.reload();
    await page.waitForSelector(byTestId("spectating"));
    await page.waitForSelector(`${byTestId("app")}[data-connection="connected"]`);
    assert.equal(await page.textContent(byTestId("header-code")), `Room ${code}`);
    await page.waitForSelector(`${byTestId("event")}[data-type="dice_rolled"]`);
    assert.equal(await page.locator(byTestId("toast-error")).count(), 0, "no error shown after the reload");
    await until(() => hal.room.state.spectators === 1, "one spectator after the reload");

    // a deploy: SIGTERM hands the room over, a new process on the same address restores it
    await recordBanners(page);
    await page.evaluate(() => ((window as any).__sameDocument = true));
    const tokens = [hal.seats.at(-1)!, gus.seats.at(-1)!];
    for (const b of [hal, gus]) b.room.reconnection.enabled = false;
    await server.stop("SIGTERM");
    server = await startProcess({ MYSQL_URL: db.url, ...FAST }, { port: server.port });
    const back = await Promise.all(tokens.map((t) => rejoinSeat(server, code, t)));
    for (const b of back) bots.push(b.room);
    const [halBack] = back;
    await page.waitForSelector(`${byTestId("app")}[data-connection="connected"]`, { timeout: 30_000 });
    await page.waitForFunction(() => (document.querySelector('[data-testid="banner"]') as HTMLElement).hidden);
    await page.waitForSelector(byTestId("spectating"));
    assert.equal(await page.evaluate(() => (window as any).__sameDocument), true, "no reload, no navigation");
    assert.ok((await banners(page)).some((t) => /getting you back to the game/.test(t)), JSON.stringify(await banners(page)));
    await until(() => halBack.room.state.spectators === 1, "the spectator counted on the new process");
    // and it follows the game as it goes on
    const onTurn = back.find((b) => b.room.state.currentTurn === b.room.sessionId)!;
    const action = choose(onTurn.room.state, onTurn.room.sessionId)!;
    const logged = await page.locator(byTestId("event")).count();
    assert.ok("seq" in (await ask(onTurn, action)), action);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="event"]').length > n, logged);
    assert.equal(await page.locator(byTestId("toast-error")).count(), 0, "no error shown");
    await screenshot(page, "spectate-after-deploy-360");

    // stopping is not leaving a game: no forfeit prompt, straight home, and a reload stays home
    await page.click(byTestId("leave-room"));
    await page.waitForSelector(byTestId("home"));
    assert.deepEqual(dialogs, [], "no prompt for a spectator");
    await until(() => halBack.room.state.spectators === 0, "the spectator gone");
    await page.reload();
    await page.waitForSelector(byTestId("home"));
  });
});
