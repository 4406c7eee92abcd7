/** The room's chat: the lines of this visit and a box to send one (the server trims and caps it); a refused line is said under the box, where the person is looking. */
import { MAX_CHAT } from "../../src/messages/contract.ts";
import { h, liveSoon } from "./dom.ts";
import { spectating } from "./watch.ts";
import { seatText } from "./format.ts";
import type { RoomSession } from "./session.ts";

export class ChatPanel {
  readonly el: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly input: HTMLInputElement;
  private readonly sendBtn = h("button", { class: "btn btn-small", type: "submit", "data-testid": "chat-send" }, "Send");
  /** Why this person cannot chat here (a spectator in a room without spectators' chat), under the box. */
  private readonly closedNote = h("p", { class: "hint", id: "chat-closed", "data-testid": "chat-closed", hidden: true }, "Spectators cannot chat in this room.");
  private shown = 0;
  /** The server's refusal of the last line, under the box (role=alert: read out as it appears). */
  private readonly refusal = h("p", { class: "field-error chat-refusal", role: "alert", "data-testid": "chat-refusal", hidden: true });

  constructor(private readonly session: RoomSession) {
    this.list = h("ol", { class: "chat-lines", "data-testid": "chat-log", "aria-live": "off" });
    // the lines from before this screen (the history sent on joining) are not read out as news
    liveSoon(this.list);
    this.input = h("input", {
      class: "input",
      type: "text",
      maxlength: MAX_CHAT,
      placeholder: "Say something…",
      "aria-label": "Chat message",
      autocomplete: "off",
      "data-testid": "chat-input",
    });
    const form = h(
      "form",
      {
        class: "chat-form",
        onsubmit: (e: Event) => {
          e.preventDefault();
          const text = this.input.value.trim();
          if (!text) return;
          this.session.send("chat", { text });
          this.input.value = "";
        },
      },
      this.input,
      this.sendBtn,
    );
    this.el = h("section", { class: "panel chat" }, h("h2", null, "Chat"), this.list, form, this.closedNote, this.refusal);
    this.update();
  }

  update() {
    const state = this.session.state;
    const closed = !!state && state.spectatorChat === false && spectating(state, this.session.me);
    if (this.closedNote.hidden === closed) {
      this.closedNote.hidden = !closed;
      this.input.disabled = closed;
      this.sendBtn.disabled = closed;
      this.input.placeholder = closed ? "Only the players chat here" : "Say something…";
      if (closed) this.input.setAttribute("aria-describedby", "chat-closed");
      else this.input.removeAttribute("aria-describedby");
    }
    const refusal = this.session.chatRefusal ?? "";
    if (this.refusal.textContent !== refusal) {
      this.refusal.textContent = refusal;
      this.refusal.hidden = refusal === "";
      // just below the box: brought into view by the few pixels it takes, the page stays where it was
      if (refusal && this.refusal.isConnected) this.refusal.scrollIntoView({ block: "nearest" });
    }
    const { chats, chatCount } = this.session;
    if (chatCount === this.shown) {
      if (chatCount === 0 && this.list.children.length === 0) this.list.append(h("li", { class: "empty" }, "No messages yet."));
      return;
    }
    if (this.shown === 0) this.list.replaceChildren();
    const nearBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    const seats = new Map<string, number>();
    this.session.state?.players.forEach((p) => {
      seats.set(p.id, p.seat);
    });
    const fresh = chats.slice(Math.max(0, chats.length - (chatCount - this.shown)));
    for (const chat of fresh) {
      const seat = seats.get(chat.from);
      this.list.append(
        h(
          "li",
          { class: chat.from === this.session.me ? "mine" : "" },
          h("b", { style: seat !== undefined ? `color:${seatText(seat)}` : "" }, chat.name),
          " ",
          h("span", null, chat.text),
        ),
      );
    }
    while (this.list.children.length > 200) this.list.firstElementChild?.remove();
    this.shown = chatCount;
    if (nearBottom || fresh[fresh.length - 1]?.from === this.session.me) this.list.scrollTop = this.list.scrollHeight;
  }
}
