/** What a person does in the browser client, as steps the e2e specs share (stable data-testid selectors). */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";

export const byTestId = (id: string) => `[data-testid="${id}"]`;

export async function openHome(page: Page, base: string, path = "/") {
  await page.goto(`${base}${path}`);
  await page.waitForSelector(byTestId("home"));
}

export async function setName(page: Page, name: string) {
  await page.fill(byTestId("name-input"), name);
}

/** Creates a room from the home screen and returns its code once the waiting room shows it. */
export async function createRoom(page: Page, options: { private?: boolean; maxPlayers?: number } = {}): Promise<string> {
  if (options.private) await page.check(byTestId("private-toggle"), { force: true });
  if (options.maxPlayers) await page.selectOption(byTestId("max-players"), String(options.maxPlayers));
  await page.click(byTestId("create-room"));
  await page.waitForSelector(byTestId("waiting-room"));
  await page.waitForFunction(() => /^\d{6}$/.test(document.querySelector('[data-testid="room-code"]')?.textContent ?? ""));
  return (await page.textContent(byTestId("room-code")))!.trim();
}

export async function joinByCode(page: Page, code: string) {
  await page.fill(byTestId("code-input"), code);
  await page.click(byTestId("join-code"));
}

/** Ada's page creates a private room of two, Bo's joins it by code: the room's code, once both wait in it. */
export async function privatePair(base: string, ada: Page, bo: Page): Promise<string> {
  await openHome(ada, base);
  await setName(ada, "Ada");
  const code = await createRoom(ada, { private: true, maxPlayers: 2 });
  await openHome(bo, base);
  await setName(bo, "Bo");
  await joinByCode(bo, code);
  await bo.waitForSelector(byTestId("waiting-room"));
  return code;
}

export async function lobbyNames(page: Page): Promise<string[]> {
  return page.$$eval('[data-testid="lobby-player"] .seat-name', (els) => els.map((e) => (e.firstChild?.textContent ?? "").trim()));
}

export async function waitForLobbyNames(page: Page, names: string[]) {
  await page.waitForFunction(
    (expected) => {
      const shown = [...document.querySelectorAll('[data-testid="lobby-player"] .seat-name')].map((e) => (e.firstChild?.textContent ?? "").trim());
      return JSON.stringify(shown) === JSON.stringify(expected);
    },
    names,
  );
}

/** Waits for an error toast whose text matches `pattern` (refusals are shown to the person, never swallowed). */
export async function expectErrorToast(page: Page, pattern: RegExp) {
  await page.locator(byTestId("toast-error"), { hasText: pattern }).first().waitFor();
}

/** Everyone seated clicks Ready, then the host (first page) starts the game. */
export async function readyAndStart(host: Page, ...others: Page[]) {
  for (const page of [host, ...others]) await page.click(byTestId("ready-toggle"));
  const start = host.locator(byTestId("start-game"));
  await assert.doesNotReject(start.waitFor());
  await host.waitForFunction(() => !(document.querySelector('[data-testid="start-game"]') as HTMLButtonElement | null)?.disabled);
  await start.click();
  for (const page of [host, ...others]) await page.waitForSelector(byTestId("game-screen"));
}

export interface Row {
  sessionId: string;
  seat: number;
  money: number;
  position: number;
  connected: boolean;
  name: string;
}

/** The players panel as one page shows it. */
export async function playerRows(page: Page): Promise<Row[]> {
  return page.$$eval('[data-testid="player-row"]', (rows) =>
    rows.map((r) => {
      const el = r as HTMLElement;
      return {
        sessionId: el.dataset.sessionId ?? "",
        seat: Number(el.dataset.seat),
        money: Number(el.dataset.money),
        position: Number(el.dataset.position),
        connected: el.dataset.connected === "true",
        name: (el.querySelector(".player-name")?.firstChild?.textContent ?? "").trim(),
      };
    }),
  );
}

export const sessionIdOf = (page: Page) => page.getAttribute(byTestId("app"), "data-session-id").then((v) => v ?? "");
