/**
 * The app: loads the board, takes a seat back when it can (this tab's after a reload; the one a
 * `?code=` link points to when this browser holds its seat token), and switches between home, the
 * waiting room and the game as the room's `phase` says. When a connection is lost for good (the SDK
 * gave up, or the server closed it to be rejoined), it asks for the seat back by token, in place.
 */
import "./jitless.ts";
import "./style.css";
import { CloseCode, ErrorCode } from "@colyseus/sdk";
import { CLOSE_REJOIN, CLOSE_TAKEN_OVER } from "../../src/messages/contract.ts";
import { describeJoinError, fetchBoard, sdk, type Board } from "./api.ts";
import { fill, h } from "./dom.ts";
import { GameView } from "./game.ts";
import { HomeView } from "./home.ts";
import { mountNotices, notice, showBanner, toast, toastRegion } from "./notices.ts";
import { SeatGone, joinOwnSeat, rejoinSeat, watchAgain, type RejoinOptions } from "./rejoin.ts";
import { ReplayView } from "./replay.ts";
import { RoomSession, type GameRoom } from "./session.ts";
import { ensurePlayerToken } from "./auth.ts";
import { forgetSeat, forgetSeatToken, pruneSeatTokens, savedName, savedRoom, savedSeat, saveWatching, seatTokenOf, watchedRoom } from "./storage.ts";
import { WaitingView } from "./waiting.ts";
import { spectating } from "./watch.ts";

interface Screen {
  el: HTMLElement;
  destroy(): void;
  /** Puts the focus on the screen's first control, when the screen it replaced took the focus with it. */
  focus?(): void;
}

/** How long a seat lost during a game is asked for again (a restart, a room restored elsewhere). */
const REJOIN_BUDGET_MS = 60_000;
/** How long a seat is asked for at start (a link, a reload): only a stale connection or a busy database should be in the way. */
const START_BUDGET_MS = 15_000;
const RESTARTING = "The server is restarting, getting your seat back…";
const RESTARTING_WATCH = "The server is restarting, getting you back to the game…";

const app = document.getElementById("app")!;
const header = h("header", { class: "topbar" });
const main = h("main", { class: "screen" });
app.append(header, main);
mountNotices(document.body);

let board: Board | null = null;
let screen: Screen | null = null;
/** A screen has been shown before: from then on, a screen change that drops the focus moves it to the new screen. */
let shownBefore = false;
let session: RoomSession | null = null;
/** Bumped whenever the app goes somewhere else, so a seat that comes back too late is let go. */
let visit = 0;

function show(next: Screen | null, placeholder?: string) {
  screen?.destroy();
  screen = next;
  // each screen its own toasts: those of the screen left behind go with it
  const toasts = toastRegion();
  if (next) fill(main, toasts, next.el);
  else fill(main, toasts, h("div", { class: "placeholder", "data-testid": "placeholder" }, h("span", { class: "spinner" }), placeholder ?? "Loading…"));
  window.scrollTo(0, 0);
  // the control that had the focus went with the old screen (or the header's Leave): not left on the body
  const lost = document.activeElement === document.body || document.activeElement === null;
  if (next && shownBefore && lost) next.focus?.();
  if (next) shownBefore = true;
}

function renderHeader() {
  const state = session?.state;
  const code = state?.code;
  const watching = !!session && spectating(state, session.me);
  fill(
    header,
    h("a", { class: "brand", href: "/", onclick: (e: Event) => session && e.preventDefault() }, h("span", { class: "brand-logo" }, "B"), h("span", { class: "brand-name" }, "Boardroom")),
    code ? h("span", { class: "chip", "data-testid": "header-code" }, `Room ${code}`) : null,
    session
      ? h(
          "button",
          {
            class: "btn btn-ghost btn-small",
            "data-testid": "leave-room",
            onclick: () => {
              // a spectator has nothing to forfeit
              if (!watching && state?.phase === "playing" && !confirm("Leave the game? You forfeit and your properties go back to the bank.")) return;
              void session?.leave();
            },
          },
          watching ? "Stop watching" : "Leave",
        )
      : null,
  );
  app.dataset.sessionId = session?.me ?? "";
  app.dataset.phase = state?.phase ?? "";
  app.dataset.connection = session?.connection ?? "";
}

function goHome(code?: string | null) {
  visit++;
  session = null;
  forgetSeat();
  showBanner(null);
  notice("paused", null);
  renderHeader();
  show(new HomeView({ code, joined: (room) => enter(room) }));
}

/** Seated in a room: from here the room's phase decides the screen, whatever connection carries it. */
function enter(room: GameRoom, code: string | null = null) {
  const current = new RoomSession(
    room,
    {
      ended: (how) => {
        if (session !== current) return;
        if (how.left) {
          // a deliberate leave (or back home after the game): this seat is not coming back
          if (current.code) forgetSeatToken(current.code);
          return goHome();
        }
        // another device of this player took the seat: it plays there now, this page does not fight back
        if (how.code === CLOSE_TAKEN_OVER) return takenOver(current);
        if (spectating(current.state, current.me)) return void rewatch(current, how.code, how.afterDrop);
        void regain(current, how.code, how.reason, how.afterDrop);
      },
    },
    code,
  );
  session = current;
  let shown: "waiting" | "game" | null = null;
  const route = () => {
    if (session !== current) return;
    const state = current.state;
    renderHeader();
    if (!state) return;
    const watching = spectating(state, current.me);
    // a reload of this tab watches the game again
    if (watching) saveWatching(state.code);
    // a spectator watches the board in every phase: the waiting room is for the seated
    const wanted = state.phase === "lobby" && !watching ? "waiting" : "game";
    if (wanted === shown) return;
    shown = wanted;
    if (wanted === "waiting") show(new WaitingView(current));
    else show(new GameView(current, board!, () => void current.leave()));
  };
  current.subscribe(route);
  show(null, "Joining the room…");
  route();
}

/**
 * The connection is gone for good (the SDK's own reconnection gave up, or the server closed it to be
 * rejoined: a restart, the room moving to another process): the seat is asked for by token while
 * the screen stays as it was.
 */
async function regain(current: RoomSession, closeCode: number, reason: string | undefined, afterDrop: boolean) {
  const code = current.code;
  const token = code ? seatTokenOf(code) : null;
  if (!code || !token) return resume(current.room.reconnectionToken, `The connection was lost (${reason || closeCode}).`);
  // The server going away (4100: rejoin; 4001: shutting down), or a process that no longer knows
  // the connection the SDK tried to reconnect: a restart. Else (the SDK does not reconnect a room
  // joined moments ago, a connection refused) just a lost connection.
  const restarting = closeCode === CLOSE_REJOIN || closeCode === CloseCode.SERVER_SHUTDOWN || afterDrop;
  showBanner(restarting ? RESTARTING : "Connection lost. Reconnecting…", "info");
  try {
    const room = await rejoinSeat(code, token, { budgetMs: REJOIN_BUDGET_MS, notFoundIsFinal: false, cancelled: () => session !== current });
    if (!room) return;
    showBanner(null);
    current.attach(room);
    toast("You are back in your seat.", "success");
  } catch (e) {
    if (session === current) cannotRegain(code, e as Error);
  }
}

/**
 * A spectator's connection is gone for good (a restart, the room moving, the SDK giving up): it
 * watches the room again, as a new spectator, while the screen stays as it was.
 */
async function rewatch(current: RoomSession, closeCode: number, afterDrop: boolean) {
  const code = current.code;
  if (!code) {
    goHome();
    return toast("The connection to the game you were watching was lost.", "error", 10_000);
  }
  const restarting = closeCode === CLOSE_REJOIN || closeCode === CloseCode.SERVER_SHUTDOWN || afterDrop;
  showBanner(restarting ? RESTARTING_WATCH : "Connection lost. Reconnecting…", "info");
  try {
    const room = await watchAgain(code, { budgetMs: REJOIN_BUDGET_MS, notFoundIsFinal: !restarting, cancelled: () => session !== current });
    if (!room) return;
    showBanner(null);
    current.attach(room);
    toast("You are watching again.", "success");
  } catch (e) {
    if (session === current) cannotWatch(code, e as Error);
  }
}

/** Watches room `code` again at start (a reload of a spectator's tab). */
async function returnToWatch(code: string) {
  const mine = ++visit;
  session = null;
  renderHeader();
  show(null, `Getting back to the game in room ${code}…`);
  try {
    const room = await watchAgain(code, { budgetMs: START_BUDGET_MS, notFoundIsFinal: true, cancelled: () => visit !== mine });
    if (room) enter(room, code);
  } catch (e) {
    if (visit === mine) cannotWatch(code, e as Error);
  }
}

/** The game cannot be watched any more (it ended, the server is away): home, and why. */
function cannotWatch(code: string, e: Error) {
  goHome();
  toast(`Could not go on watching the game in room ${code}: ${e.message}`, e instanceof SeatGone ? "info" : "error", 10_000);
}

/**
 * Takes the seat of room `code` back at start: after a reload, or from a `?code=` link in a tab
 * opened later. A token the room no longer knows (403, 404, 410) is forgotten and the normal screens
 * follow: the join screen for that code when it came from a link.
 */
async function returnToSeat(code: string, token: string, fromLink: boolean) {
  const mine = ++visit;
  session = null;
  renderHeader();
  show(null, `Getting your seat back in room ${code}…`);
  const options: RejoinOptions = { budgetMs: START_BUDGET_MS, notFoundIsFinal: true, cancelled: () => visit !== mine };
  try {
    const room = await rejoinSeat(code, token, options);
    if (room) enter(room, code);
  } catch (e) {
    if (visit === mine) cannotRegain(code, e as Error, fromLink);
  }
}

/** The seat could not be taken back: gone for good (home), or not now (a screen to try again from). */
function cannotRegain(code: string, e: Error, fromLink = false) {
  if (e instanceof SeatGone) {
    forgetSeatToken(code);
    goHome(fromLink ? code : null);
    toast(`Could not return to your game in room ${code}: ${e.message}`, fromLink ? "info" : "error", 10_000);
    return;
  }
  session = null;
  showBanner(null);
  notice("paused", null);
  renderHeader();
  const el = h(
    "div",
    { class: "placeholder", "data-testid": "rejoin-failed" },
    h("p", { role: "alert" }, `Your seat in room ${code} could not be taken back: ${e.message}`),
    h(
      "div",
      { class: "row" },
      h(
        "button",
        {
          class: "btn btn-primary",
          "data-testid": "rejoin-retry",
          onclick: () => {
            const token = seatTokenOf(code);
            if (token) void returnToSeat(code, token, fromLink);
            else goHome(code);
          },
        },
        "Try again",
      ),
      h("button", { class: "btn", "data-testid": "rejoin-home", onclick: () => goHome() }, "Back to home"),
    ),
  );
  show({ el, destroy() {} });
}

/** The seat is played on another device now (close 4101): say so, and offer to play here again. */
function takenOver(current: RoomSession) {
  const code = current.code;
  session = null;
  forgetSeat();
  showBanner(null);
  renderHeader();
  const el = h(
    "div",
    { class: "placeholder", "data-testid": "taken-over" },
    h("p", { role: "status" }, `You are playing${code ? ` room ${code}` : ""} on another device now.`),
    h(
      "div",
      { class: "row" },
      code
        ? h(
            "button",
            {
              class: "btn btn-primary",
              "data-testid": "play-here",
              // joining again with the player token takes the seat over from the other device
              onclick: () =>
                void joinOwnSeat(code, "").then(
                  (room) => enter(room, code),
                  (e: Error) => cannotRegain(code, e),
                ),
            },
            "Play here",
          )
        : null,
      h("button", { class: "btn", "data-testid": "rejoin-home", onclick: () => goHome() }, "Back to home"),
    ),
  );
  show({ el, destroy() {} });
}

/** Takes the seat back with a reconnection token (a room that gave this tab no seat token). */
async function resume(token: string, why?: string) {
  session = null;
  renderHeader();
  show(null, "Reconnecting to your game…");
  showBanner("Reconnecting…", "info");
  let failure: unknown = null;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      const room = await sdk.reconnect(token);
      showBanner(null);
      enter(room);
      return;
    } catch (e) {
      failure = e;
      const code = (e as { code?: number }).code;
      if (code === ErrorCode.MATCHMAKE_EXPIRED || code === ErrorCode.MATCHMAKE_INVALID_ROOM_ID) break;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
  showBanner(null);
  goHome();
  toast(`${why ? `${why} ` : ""}Could not return to your game: ${describeJoinError(failure).message}`, "error", 10_000);
}

async function boot() {
  show(null, "Loading the board…");
  try {
    board = await fetchBoard();
  } catch (e) {
    const message = (e as Error).message;
    fill(
      main,
      h(
        "div",
        { class: "placeholder", "data-testid": "boot-error" },
        h("p", null, `The game server is not reachable: ${message}`),
        h("button", { class: "btn btn-primary", onclick: () => void boot() }, "Try again"),
      ),
    );
    return;
  }
  const params = new URLSearchParams(location.search);
  const replay = params.get("replay");
  if (replay !== null) {
    const home = () => {
      history.replaceState(null, "", location.pathname);
      goHome();
    };
    renderHeader();
    return show(new ReplayView(board, replay, home));
  }
  const code = params.get("code");
  if (code !== null) history.replaceState(null, "", location.pathname);
  pruneSeatTokens();
  // a seat taken with a player token is taken back with it (renewed first when it is about to expire)
  await ensurePlayerToken(savedName() || "Guest").catch(() => {});
  const linked = code !== null && /^\d{6}$/.test(code) ? seatTokenOf(code) : null;
  if (code !== null && linked) return returnToSeat(code, linked, true);
  const thisTab = savedRoom();
  const thisTabToken = thisTab ? seatTokenOf(thisTab) : null;
  if (thisTab && thisTabToken) return returnToSeat(thisTab, thisTabToken, false);
  const watched = watchedRoom();
  if (watched && /^\d{6}$/.test(watched)) return returnToWatch(watched);
  const token = savedSeat();
  if (token) return resume(token);
  goHome(code);
}

window.addEventListener("error", (e) => toast(`Something went wrong: ${e.message}`, "error"));
window.addEventListener("unhandledrejection", (e) => toast(`Something went wrong: ${(e.reason as Error)?.message ?? e.reason}`, "error"));
void boot();
