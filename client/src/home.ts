/**
 * The home screen: display name, a new room (public or private, 2-5 seats), joining by code, and the
 * live list of public rooms from the `lobby` room (filtered here to rooms still in the lobby and not full).
 */
import type { Room } from "@colyseus/sdk";
import { MAX_SEATS, displayName } from "../../src/messages/options.ts";
import { Problem, describeJoinError, roomByCode, sdk } from "./api.ts";
import { fill, h } from "./dom.ts";
import { GROUP_COLORS } from "./format.ts";
import { LeaderboardView } from "./leaderboard.ts";
import { toast } from "./notices.ts";
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

export class HomeView {
  readonly el: HTMLElement;
  private readonly nameInput = h("input", {
    class: "input",
    id: "name",
    maxlength: 20,
    autocomplete: "nickname",
    placeholder: "e.g. Ada",
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

    const createBtn = h("button", { class: "btn btn-primary", type: "submit", "data-testid": "create-room" }, "Create room");
    const joinBtn = h("button", { class: "btn btn-primary", type: "submit", "data-testid": "join-code" }, "Join");

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
        "div",
        { class: "card name-card" },
        h("label", { class: "field", for: "name" }, h("span", null, "Your name"), this.nameInput),
        this.nameError,
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
          createBtn,
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
          h("div", { class: "row" }, this.codeInput, joinBtn),
          h("p", { class: "hint" }, "Ask the host for the 6-digit room code."),
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
        toast(`Enter your name to join room ${options.code}.`, "info");
        queueMicrotask(() => this.nameInput.focus());
      }
    }
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
      sdk.create("game", { name, private: this.privateToggle.checked, maxPlayers: Number(this.seats.value) }),
    );
  }

  private joinByCode(code: string) {
    if (!CODE.test(code)) {
      toast("A room code is exactly 6 digits.", "error");
      this.codeInput.focus();
      return;
    }
    return this.attempt(async (name) => {
      const room = await roomByCode(code);
      // with a player token a started game may hold this player's own seat: the server decides
      if (room.phase && room.phase !== "lobby" && !sdk.auth.token) throw new Problem(`The game in room ${code} has already started.`, "GAME_STARTED");
      return sdk.joinById(room.roomId, { name });
    });
  }

  private joinListed(roomId: string) {
    return this.attempt((name) => sdk.joinById(roomId, { name }));
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
    const open = [...this.listings.values()]
      .filter((r) => (r.name ?? "game") === "game" && r.metadata?.phase === "lobby" && r.clients < r.maxClients)
      .sort((a, b) => String(a.createdAt ?? "").localeCompare(String(b.createdAt ?? "")));
    if (open.length === 0) {
      fill(this.list, h("li", { class: "empty", "data-testid": "no-rooms" }, "No open rooms right now. Create one and invite your friends."));
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
            h("span", { class: "muted" }, `${r.clients}/${r.maxClients} players`),
          ),
          h("span", { class: "seats-bar" }, Array.from({ length: r.maxClients }, (_, i) => h("i", { class: i < r.clients ? "taken" : "" }))),
          h(
            "button",
            { class: "btn btn-small", "data-testid": "join-listed", disabled: this.busy, onclick: () => this.joinListed(r.roomId) },
            "Join",
          ),
        ),
      ),
    );
  }
}
