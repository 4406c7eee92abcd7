/**
 * The home screen: display name, a new room (public or private, 2-5 seats, its round limit and turn
 * time), joining or watching by code, and the live list of public rooms from the `lobby` room (filtered here to
 * rooms still in the lobby and not full). Enter in the name field joins the code filled in, or creates.
 */
import type { Room } from "@colyseus/sdk";
import { MAX_SEATS, ROUND_LIMIT, TURN_SECONDS, displayName } from "../../src/messages/options.ts";
import { Problem, describeJoinError, roomByCode, sdk } from "./api.ts";
import { fill, h } from "./dom.ts";
import { GROUP_COLORS } from "./format.ts";
import { LeaderboardView } from "./leaderboard.ts";
import { toast } from "./notices.ts";
import { watchByCode } from "./rejoin.ts";
import { joinable, renderWatchList, seatsOf } from "./watch.ts";
import type { GameRoom } from "./session.ts";
import { ensurePlayerToken, forgetPlayerToken } from "./auth.ts";
import { saveName, savedName } from "./storage.ts";

interface Listing {
  roomId: string;
  name?: string;
  clients: number;
  maxClients: number;
  createdAt?: string | number;
  metadata?: { code?: string; phase?: string; hostName?: string };
}

export interface HomeOptions {
  /** A join code from the `?code=` link: joined right away when a name is known. */
  code?: string | null;
  joined(room: GameRoom): void;
}

const CODE = /^\d{6}$/;
/** The turn times offered (seconds), within what the server accepts. */
const TURN_CHOICES = [10, 20, 30, 45, 60, 90, 120].filter((s) => s >= TURN_SECONDS.min && s <= TURN_SECONDS.max);

/** A round limit typed by hand, as the server will take it: a whole number within its bounds. */
export function clampRounds(text: string): number {
  const n = Math.round(Number(text.trim()));
  if (text.trim() === "" || !Number.isFinite(n)) return ROUND_LIMIT.default;
  return Math.min(ROUND_LIMIT.max, Math.max(ROUND_LIMIT.min, n));
}

export class HomeView {
  readonly el: HTMLElement;
  private readonly nameInput = h("input", {
    class: "input",
    id: "name",
    maxlength: 20,
    autocomplete: "nickname",
    placeholder: "e.g. Ada",
    "aria-describedby": "name-hint",
    enterkeyhint: "go",
    "data-testid": "name-input",
  });
  private readonly nameError = h("p", { class: "field-error", "data-testid": "name-error", hidden: true });
  private readonly codeInput = h("input", {
    class: "input code-input",
    inputmode: "numeric",
    maxlength: 6,
    pattern: "[0-9]{6}",
    placeholder: "123456",
    autocomplete: "off",
    "aria-label": "Room code",
    "data-testid": "code-input",
  });
  private readonly privateToggle = h("input", { type: "checkbox", "data-testid": "private-toggle" });
  private readonly seats = h(
    "select",
    { class: "input", "data-testid": "max-players", "aria-label": "Players" },
    Array.from({ length: MAX_SEATS - 1 }, (_, i) => h("option", { value: i + 2, selected: i + 2 === 4 }, `${i + 2} players`)),
  );
  private readonly rounds = h("input", {
    class: "input",
    id: "max-rounds",
    type: "number",
    inputmode: "numeric",
    min: ROUND_LIMIT.min,
    max: ROUND_LIMIT.max,
    step: 1,
    value: String(ROUND_LIMIT.default),
    "aria-describedby": "max-rounds-hint",
    "data-testid": "max-rounds",
  });
  private readonly turnTime = h(
    "select",
    { class: "input", id: "turn-seconds", "aria-describedby": "turn-seconds-hint", "data-testid": "turn-seconds" },
    TURN_CHOICES.map((s) => h("option", { value: s, selected: s === TURN_SECONDS.default }, `${s} seconds`)),
  );
  private readonly createBtn = h("button", { class: "btn btn-primary", type: "submit", "data-testid": "create-room" }, "Create room");
  private readonly list = h("ul", { class: "room-list", "data-testid": "room-list" });
  private readonly listStatus = h("span", { class: "live-dot", title: "Connecting…" });
  private readonly listings = new Map<string, Listing>();
  private lobby: Room | null = null;
  private destroyed = false;
  private busy = false;

  constructor(private readonly options: HomeOptions) {
    this.nameInput.value = savedName();
    this.nameInput.addEventListener("input", () => (this.nameError.hidden = true));
    this.codeInput.addEventListener("input", () => (this.codeInput.value = this.codeInput.value.replace(/\D/g, "").slice(0, 6)));
    if (options.code) this.codeInput.value = options.code;
    this.rounds.addEventListener("change", () => (this.rounds.value = String(clampRounds(this.rounds.value))));

    const joinBtn = h("button", { class: "btn btn-primary", type: "submit", "data-testid": "join-code" }, "Join");
    const watchBtn = h("button", { class: "btn", type: "button", "data-testid": "watch-code", onclick: () => void this.watchByCode(this.codeInput.value.trim()) }, "Watch");

    this.el = h(
      "section",
      { class: "home", "data-testid": "home" },
      h(
        "div",
        { class: "hero" },
        h("h1", null, "Boardroom"),
        h("p", null, "Buy streets, collect rent and outlast your friends. 2 to 5 players, in the browser."),
        h("div", { class: "hero-stripe", "aria-hidden": "true" }, Object.values(GROUP_COLORS).map((c) => h("i", { style: `background:${c}` }))),
      ),
      h(
        "form",
        {
          class: "card name-card",
          onsubmit: (e: Event) => {
            e.preventDefault();
            const code = this.codeInput.value.trim();
            void (CODE.test(code) ? this.joinByCode(code) : this.create());
          },
        },
        h("label", { class: "field", for: "name" }, h("span", null, "Your name"), this.nameInput),
        this.nameError,
        h("p", { class: "hint", id: "name-hint" }, "Press Enter to create a room, or to join the room whose code is filled in below."),
      ),
      h(
        "div",
        { class: "home-grid" },
        h(
          "form",
          {
            class: "card",
            onsubmit: (e: Event) => {
              e.preventDefault();
              void this.create();
            },
          },
          h("h2", null, "New game"),
          h(
            "div",
            { class: "row" },
            h("label", { class: "switch" }, this.privateToggle, h("span", { class: "switch-track" }), h("span", null, "Private room")),
            this.seats,
          ),
          h("p", { class: "hint" }, "Private rooms are not listed: share the code or link."),
          h(
            "div",
            { class: "create-options" },
            h(
              "div",
              { class: "field" },
              h("label", { for: "max-rounds" }, "Round limit"),
              this.rounds,
              h("span", { class: "hint", id: "max-rounds-hint" }, `${ROUND_LIMIT.min} to ${ROUND_LIMIT.max}; the richest player wins at the limit`),
            ),
            h(
              "div",
              { class: "field" },
              h("label", { for: "turn-seconds" }, "Time per turn"),
              this.turnTime,
              h("span", { class: "hint", id: "turn-seconds-hint" }, "then the server plays the turn"),
            ),
          ),
          this.createBtn,
        ),
        h(
          "form",
          {
            class: "card",
            onsubmit: (e: Event) => {
              e.preventDefault();
              void this.joinByCode(this.codeInput.value.trim());
            },
          },
          h("h2", null, "Join with a code"),
          h("div", { class: "row" }, this.codeInput, joinBtn, watchBtn),
          h("p", { class: "hint" }, "Ask the host for the 6-digit room code. Watch follows a game without a seat, private ones too."),
        ),
      ),
      h("div", { class: "card rooms-card" }, h("h2", null, "Open rooms ", this.listStatus), this.list),
      new LeaderboardView().el,
    );
    this.renderList();
    void this.watchLobby();
    if (options.code) {
      if (this.nameInput.value.trim()) queueMicrotask(() => this.joinByCode(options.code!));
      else {
        // once this screen (and its toast region) is in the page
        queueMicrotask(() => {
          toast(`Enter your name to join room ${options.code}.`, "info");
          this.nameInput.focus();
        });
      }
    }
  }

  /** Where the focus goes when this screen replaces one that had it: the first thing to do here. */
  focus() {
    (this.nameInput.value.trim() ? this.createBtn : this.nameInput).focus();
  }

  destroy() {
    this.destroyed = true;
    const lobby = this.lobby;
    this.lobby = null;
    if (lobby) {
      lobby.reconnection.enabled = false;
      void lobby.leave().catch(() => {});
    }
  }

  /** The validated display name (remembered), or null after telling the person what is wrong. */
  private name(): string | null {
    const parsed = displayName.safeParse(this.nameInput.value);
    if (!parsed.success) {
      this.nameError.textContent = this.nameInput.value.trim() ? `Name: ${parsed.error.issues[0]?.message}.` : "Enter your name first.";
      this.nameError.hidden = false;
      this.nameInput.focus();
      return null;
    }
    this.nameInput.value = parsed.data;
    saveName(parsed.data);
    return parsed.data;
  }

  private async attempt(what: (name: string) => Promise<GameRoom>) {
    if (this.busy) return;
    const name = this.name();
    if (!name) return;
    // the buttons are disabled while busy, which takes the focus away: it comes back after
    const focused = document.activeElement instanceof HTMLElement && this.el.contains(document.activeElement) ? document.activeElement : null;
    this.setBusy(true);
    let room: GameRoom;
    try {
      await ensurePlayerToken(name);
      room = await what(name);
    } catch (e) {
      console.warn("join refused", e);
      const problem = describeJoinError(e);
      // a refused token is not used again: the next attempt gets a new one
      if (problem.code === "AUTH_REQUIRED" || problem.code === "INVALID_TOKEN") forgetPlayerToken();
      toast(problem.message, "error");
      return;
    } finally {
      this.setBusy(false);
      if (focused?.isConnected && (document.activeElement === document.body || document.activeElement === null)) focused.focus({ preventScroll: true }); // the toast stays in view
    }
    if (this.destroyed) return void room.leave();
    this.options.joined(room);
  }

  private setBusy(busy: boolean) {
    this.busy = busy;
    for (const b of this.el.querySelectorAll<HTMLButtonElement>("button")) b.disabled = busy;
    this.el.classList.toggle("busy", busy);
  }

  private create() {
    return this.attempt((name) =>
      sdk.create("game", {
        name,
        private: this.privateToggle.checked,
        maxPlayers: Number(this.seats.value),
        maxRounds: clampRounds(this.rounds.value),
        turnSeconds: Number(this.turnTime.value),
      }),
    );
  }

  /** A 6-digit code, or null after telling the person. */
  private checkedCode(code: string): string | null {
    if (CODE.test(code)) return code;
    toast("A room code is exactly 6 digits.", "error");
    this.codeInput.focus({ preventScroll: true });
    return null;
  }

  /** Watches the game of room `code` (any phase, public or private) as a spectator. */
  private watchByCode(code: string) {
    if (!this.checkedCode(code)) return;
    return this.attempt((name) => watchByCode(code, name));
  }

  private joinByCode(code: string) {
    if (!this.checkedCode(code)) return;
    return this.attempt(async (name) => {
      const room = await roomByCode(code);
      // with a player token a started game may hold this player's own seat: the server decides
      if (room.phase && room.phase !== "lobby" && !sdk.auth.token) throw new Problem(`The game in room ${code} has already started: press Watch to follow it.`, "GAME_STARTED");
      return sdk.joinById(room.roomId, { name });
    });
  }

  private joinListed(roomId: string) {
    return this.attempt((name) => sdk.joinById(roomId, { name }));
  }

  /** Watches a game in play (a spectator: no seat). */
  private watchListed(roomId: string) {
    return this.attempt((name) => sdk.joinById(roomId, { name, spectate: true }));
  }

  // --- the live list --------------------------------------------------------------------------

  private async watchLobby() {
    this.setLive("connecting");
    try {
      const lobby = await sdk.joinOrCreate("lobby", { filter: { name: "game" } });
      if (this.destroyed) return void lobby.leave();
      this.lobby = lobby;
      lobby.onMessage("rooms", (rooms: Listing[]) => {
        this.listings.clear();
        for (const r of rooms) this.listings.set(r.roomId, r);
        this.renderList();
      });
      lobby.onMessage("+", ([roomId, room]: [string, Listing]) => {
        this.listings.set(roomId, room);
        this.renderList();
      });
      lobby.onMessage("-", (roomId: string) => {
        this.listings.delete(roomId);
        this.renderList();
      });
      lobby.onDrop(() => this.setLive("connecting"));
      lobby.onReconnect(() => this.setLive("live"));
      lobby.onLeave(() => {
        if (this.destroyed) return;
        this.lobby = null;
        this.setLive("offline");
      });
      this.setLive("live");
    } catch (e) {
      if (!this.destroyed) this.setLive("offline", describeJoinError(e).message);
    }
  }

  private setLive(state: "connecting" | "live" | "offline", why?: string) {
    this.listStatus.className = `live-dot ${state}`;
    this.listStatus.title = state === "live" ? "Updating live" : state === "connecting" ? "Connecting…" : "Offline";
    if (state === "offline") {
      fill(
        this.list,
        h(
          "li",
          { class: "empty" },
          `The live room list is unavailable${why ? ` (${why})` : ""}. `,
          h("button", { class: "btn btn-small", onclick: () => void this.watchLobby() }, "Retry"),
        ),
      );
    }
  }

  private renderList() {
    renderWatchList(this.list, this.listings.values(), (roomId) => this.watchListed(roomId), this.busy);
    const open = [...this.listings.values()]
      .filter((r) => (r.name ?? "game") === "game" && joinable(r))
      .sort((a, b) => String(a.createdAt ?? "").localeCompare(String(b.createdAt ?? "")));
    // a Join button that had the focus is drawn again: the focus stays on it (on the list if its room went)
    const focused = document.activeElement instanceof HTMLElement && this.list.contains(document.activeElement) ? document.activeElement.closest("li")?.dataset.roomId ?? "" : null;
    if (open.length === 0) {
      fill(this.list, h("li", { class: "empty", "data-testid": "no-rooms" }, "No open rooms right now. Create one and invite your friends."));
      if (focused !== null) this.createBtn.focus();
      return;
    }
    fill(
      this.list,
      open.map((r) =>
        h(
          "li",
          { class: "room-item", "data-testid": "room-item", "data-room-id": r.roomId, "data-code": r.metadata?.code ?? "" },
          h(
            "span",
            { class: "room-main" },
            h("span", { class: "room-host" }, `${r.metadata?.hostName || "Someone"}'s room`),
            h("span", { class: "muted" }, `${seatsOf(r).players}/${seatsOf(r).seats} players`),
          ),
          h("span", { class: "seats-bar" }, Array.from({ length: seatsOf(r).seats }, (_, i) => h("i", { class: i < seatsOf(r).players ? "taken" : "" }))),
          h(
            "button",
            {
              class: "btn btn-small",
              "data-testid": "join-listed",
              "aria-label": `Join ${r.metadata?.hostName || "Someone"}'s room`,
              disabled: this.busy,
              onclick: () => this.joinListed(r.roomId),
            },
            "Join",
          ),
        ),
      ),
    );
    if (focused === null) return;
    const target = open.some((r) => r.roomId === focused) ? focused : open[0].roomId;
    this.list.querySelector<HTMLElement>(`li[data-room-id="${CSS.escape(target)}"] button`)?.focus();
  }
}
