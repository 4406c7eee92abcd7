/**
 * The app: loads the board, resumes the seat this tab held (reconnection token in sessionStorage),
 * and switches between home, the waiting room and the game as the room's `phase` says.
 */
import "./style.css";
import { ErrorCode } from "@colyseus/sdk";
import { describeJoinError, fetchBoard, sdk, type Board } from "./api.ts";
import { fill, h } from "./dom.ts";
import { GameView } from "./game.ts";
import { HomeView } from "./home.ts";
import { mountNotices, showBanner, toast } from "./notices.ts";
import { RoomSession, type GameRoom } from "./session.ts";
import { forgetSeat, saveSeat, savedSeat } from "./storage.ts";
import { WaitingView } from "./waiting.ts";

interface Screen {
  el: HTMLElement;
  destroy(): void;
}

const app = document.getElementById("app")!;
const header = h("header", { class: "topbar" });
const main = h("main", { class: "screen" });
app.append(header, main);
mountNotices(document.body);

let board: Board | null = null;
let screen: Screen | null = null;
let session: RoomSession | null = null;

function show(next: Screen | null, placeholder?: string) {
  screen?.destroy();
  screen = next;
  if (next) fill(main, next.el);
  else fill(main, h("div", { class: "placeholder", "data-testid": "placeholder" }, h("span", { class: "spinner" }), placeholder ?? "Loading…"));
  window.scrollTo(0, 0);
}

function renderHeader() {
  const state = session?.state;
  const code = state?.code;
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
              if (state?.phase === "playing" && !confirm("Leave the game? You forfeit and your properties go back to the bank.")) return;
              void session?.leave();
            },
          },
          "Leave",
        )
      : null,
  );
  app.dataset.sessionId = session?.me ?? "";
  app.dataset.phase = state?.phase ?? "";
}

function goHome(code?: string | null) {
  session = null;
  forgetSeat();
  renderHeader();
  show(new HomeView({ code, joined: enter }));
}

/** Seated in a room: from here the room's phase decides the screen. */
function enter(room: GameRoom) {
  saveSeat(room.reconnectionToken);
  const current = new RoomSession(room, {
    ended: (how) => {
      if (session !== current) return;
      if (how.left) return goHome();
      void resume(room.reconnectionToken, `The connection was lost (${how.reason || how.code}).`);
    },
  });
  session = current;
  let shown: "waiting" | "game" | null = null;
  const route = () => {
    if (session !== current) return;
    const state = current.state;
    renderHeader();
    if (!state) return;
    const wanted = state.phase === "lobby" ? "waiting" : "game";
    if (wanted === shown) return;
    shown = wanted;
    if (wanted === "waiting") show(new WaitingView(current));
    else show(new GameView(current, board!, () => void current.leave()));
  };
  current.subscribe(route);
  show(null, "Joining the room…");
  route();
}

/** Takes the seat back with a reconnection token (after a reload or a connection the SDK gave up on). */
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
  const code = params.get("code");
  if (code !== null) history.replaceState(null, "", location.pathname);
  const token = savedSeat();
  if (token) return resume(token);
  goHome(code);
}

window.addEventListener("error", (e) => toast(`Something went wrong: ${e.message}`, "error"));
window.addEventListener("unhandledrejection", (e) => toast(`Something went wrong: ${(e.reason as Error)?.message ?? e.reason}`, "error"));
void boot();
