/**
 * The waiting room: the join code to share, who is seated (ready marks, host badge), Ready, and Start
 * for the host once the state shows at least two players, all ready (the server decides for real).
 */
import type { Player } from "../../src/schema/GameState.ts";
import { ChatPanel } from "./chat.ts";
import { fill, h, svg } from "./dom.ts";
import { seatStyle, initial } from "./format.ts";
import { ICONS } from "./icons.ts";
import { toast } from "./notices.ts";
import type { RoomSession } from "./session.ts";

const MIN_PLAYERS = 2;

export async function copyText(text: string, what: string) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Clipboard API needs a secure context; fall back to a selection copy.
    const area = h("textarea", { class: "offscreen", readonly: true }, text);
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) return toast(`Could not copy the ${what}; select it and copy it by hand.`, "error");
  }
  toast(`Copied the ${what}.`, "success", 2000);
}

export const shareLink = (code: string) => `${location.origin}/?code=${code}`;

export class WaitingView {
  readonly el: HTMLElement;
  private readonly codeEl = h("div", { class: "room-code", "data-testid": "room-code" });
  private readonly linkEl = h("input", { class: "input share-link", readonly: true, "data-testid": "share-link", "aria-label": "Share link" });
  private readonly list = h("ul", { class: "seat-list", "data-testid": "lobby-players" });
  private readonly countEl = h("span", { class: "muted" });
  private readonly visibilityEl = h("p", { class: "hint", "data-testid": "room-visibility" });
  private readonly readyBtn = h("button", { class: "btn", "data-testid": "ready-toggle" }, "I'm ready");
  private readonly startBtn = h("button", { class: "btn btn-primary", "data-testid": "start-game" }, "Start game");
  private readonly hint = h("p", { class: "hint", "data-testid": "start-hint" });
  private readonly chat: ChatPanel;
  private readonly unsubscribe: () => void;

  constructor(private readonly session: RoomSession) {
    this.chat = new ChatPanel(session);
    // while its answer is awaited the button is aria-disabled, not disabled: it keeps the focus
    this.readyBtn.addEventListener("click", () => {
      const me = this.session.state?.players.get(this.session.me);
      if (me && !this.session.waiting("ready")) this.session.send("ready", { ready: !me.ready });
    });
    this.startBtn.addEventListener("click", () => this.session.send("start"));
    const code = () => this.session.state?.code ?? "";
    this.el = h(
      "section",
      { class: "waiting", "data-testid": "waiting-room" },
      h(
        "div",
        { class: "card code-card" },
        h("h1", { class: "eyebrow" }, h("span", { class: "sr-only" }, "Waiting room: "), "Room code"),
        this.codeEl,
        h(
          "div",
          { class: "row" },
          h("button", { class: "btn", "data-testid": "copy-code", onclick: () => copyText(code(), "room code") }, svg(ICONS.copy), "Copy code"),
          h("button", { class: "btn", "data-testid": "copy-link", onclick: () => copyText(shareLink(code()), "invite link") }, svg(ICONS.link), "Copy link"),
        ),
        h("label", { class: "field" }, h("span", null, "Invite link"), this.linkEl),
        h("p", { class: "hint" }, "Friends join by typing the code on the home page or by opening the link."),
        this.visibilityEl,
      ),
      h(
        "div",
        { class: "card seats-card" },
        h("h2", null, "Players ", this.countEl),
        this.list,
        h("div", { class: "row lobby-actions" }, this.readyBtn, this.startBtn),
        this.hint,
      ),
      this.chat.el,
    );
    this.linkEl.addEventListener("focus", () => this.linkEl.select());
    this.unsubscribe = session.subscribe(() => this.update());
    this.update();
  }

  focus() {
    this.readyBtn.focus();
  }

  destroy() {
    this.unsubscribe();
  }

  update() {
    const state = this.session.state;
    if (!state) return;
    this.codeEl.textContent = state.code;
    this.linkEl.value = state.code ? shareLink(state.code) : "";
    this.visibilityEl.textContent = state.private
      ? "Private room: not listed, only the code or the link gets in."
      : "Public room: listed on the home page for anyone to join.";
    const players: Player[] = [];
    state.players.forEach((p) => {
      players.push(p);
    });
    players.sort((a, b) => a.seat - b.seat);
    const me = state.players.get(this.session.me);
    const isHost = state.hostId === this.session.me;
    this.countEl.textContent = `${players.length}/${state.maxPlayers}`;

    fill(
      this.list,
      players.map((p) =>
        h(
          "li",
          {
            class: `seat${p.ready ? " ready" : ""}${p.connected ? "" : " offline"}`,
            "data-testid": "lobby-player",
            "data-session-id": p.id,
            "data-seat": p.seat,
            "data-ready": String(p.ready),
          },
          h("span", { class: "avatar", style: seatStyle(p.seat) }, initial(p.name)),
          h("span", { class: "seat-name" }, p.name, p.id === this.session.me ? h("span", { class: "muted" }, " (you)") : null),
          p.id === state.hostId ? h("span", { class: "badge badge-host", "data-testid": "host-badge" }, svg(ICONS.crown), "Host") : null,
          p.connected ? null : h("span", { class: "badge badge-offline" }, "Offline"),
          h(
            "span",
            { class: `ready-mark${p.ready ? " is-ready" : ""}`, "data-testid": "ready-mark" },
            p.ready ? [svg(ICONS.check), "Ready"] : "Not ready",
          ),
        ),
      ),
      Array.from({ length: Math.max(0, state.maxPlayers - players.length) }, () =>
        h("li", { class: "seat empty-seat" }, h("span", { class: "avatar" }, ""), h("span", { class: "muted" }, "Open seat")),
      ),
    );

    this.readyBtn.textContent = me?.ready ? "Not ready" : "I'm ready";
    this.readyBtn.classList.toggle("btn-primary", !me?.ready);
    this.readyBtn.setAttribute("aria-disabled", String(this.session.waiting("ready")));

    const allReady = players.length > 0 && players.every((p) => p.ready);
    const canStart = players.length >= MIN_PLAYERS && allReady;
    this.startBtn.hidden = !isHost;
    const startOff = !canStart || this.session.waiting("start");
    // a disabled button loses the focus: it goes to Ready instead of the page
    if (startOff && document.activeElement === this.startBtn) this.readyBtn.focus();
    this.startBtn.disabled = startOff;
    const host = players.find((p) => p.id === state.hostId);
    this.hint.textContent =
      players.length < MIN_PLAYERS
        ? "Waiting for at least one more player to join."
        : !allReady
          ? `Waiting for everyone to be ready (${players.filter((p) => p.ready).length}/${players.length}).`
          : isHost
            ? "Everyone is ready. Start when you like."
            : `Everyone is ready. Waiting for ${host?.name ?? "the host"} to start.`;
    this.chat.update();
  }
}
