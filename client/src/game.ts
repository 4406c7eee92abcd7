/**
 * The game screen: the board with dice, turn status, countdown and the actions the current stage
 * allows in its centre; players with money and marks; the event log; chat; the winner when it ends.
 * Which buttons exist comes from `stage`, whether they are enabled from `currentTurn`: the server
 * remains the judge and its refusals are shown as they come.
 */
import type { ClientMessageType, EventMessage } from "../../src/messages/contract.ts";
import type { GameState, Player } from "../../src/schema/GameState.ts";
import type { Board } from "./api.ts";
import { BoardView, token } from "./board.ts";
import { ChatPanel } from "./chat.ts";
import { fill, h, liveSoon, svg } from "./dom.ts";
import { money, seatColor, seatStyle } from "./format.ts";
import { ICONS } from "./icons.ts";
import { narrate, serverPlayed, type Cast } from "./narrate.ts";
import { playAgainControls } from "./rematch.ts";
import { replayButton } from "./replay.ts";
import type { RoomSession } from "./session.ts";
import { markSpectating } from "./watch.ts";

interface Action {
  type: ClientMessageType;
  label: string;
  primary?: boolean;
}

const PIPS: Record<number, number[]> = {
  1: [4],
  2: [0, 8],
  3: [0, 4, 8],
  4: [0, 2, 6, 8],
  5: [0, 2, 4, 6, 8],
  6: [0, 2, 3, 5, 6, 8],
};

function die(value: number | undefined): HTMLElement {
  const pips = PIPS[value ?? 0] ?? [];
  return h(
    "span",
    { class: `die${value ? "" : " blank"}`, role: "img", "data-value": value ?? "", "aria-label": value ? `die showing ${value}` : "die not rolled" },
    Array.from({ length: 9 }, (_, i) => h("i", { class: pips.includes(i) ? "pip" : "" })),
  );
}

export class GameView {
  readonly el: HTMLElement;
  private readonly board: BoardView;
  private readonly status = h("div", { class: "turn-status", role: "status", "aria-live": "polite", "aria-atomic": "true", "data-testid": "turn-status" });
  private readonly dice = h("div", { class: "dice", "data-testid": "dice" });
  private readonly timerBar = h("span", { class: "timer-fill" });
  private readonly timerText = h("span", { class: "timer-text", "data-testid": "countdown" });
  private readonly timer = h("div", { class: "timer" }, h("span", { class: "timer-track" }, this.timerBar), this.timerText);
  private readonly actions = h("div", { class: "actions", "data-testid": "actions" });
  private readonly playersEl = h("ol", { class: "player-list", "data-testid": "players" });
  private readonly roundEl = h("span", { class: "muted", "data-testid": "round" });
  /** A live region once its first contents are in (what came before this screen is not read out as news). */
  private readonly log = h("ol", { class: "event-log", "aria-live": "off", "aria-relevant": "additions", "aria-labelledby": "game-log-title", "data-testid": "event-log" });
  private readonly side = h("aside", { class: "side", id: "game-side", tabindex: -1, "aria-label": "Players, game log and chat" });
  private readonly winner = h("dialog", { class: "winner-dialog", "data-testid": "winner" });
  private readonly chat: ChatPanel;
  private readonly unsubscribe: () => void;
  private readonly ticker: ReturnType<typeof setInterval>;
  private logged = 0;
  /** The session's game whose moves the log shows. */
  private loggedGame = 0;
  private diceKey = "";
  private actionsKey = "";
  private winnerKey = "";
  private winnerDismissed = false;

  constructor(
    private readonly session: RoomSession,
    private readonly boardData: Board,
    private readonly goHome: () => void,
  ) {
    this.board = new BoardView(boardData.tiles);
    this.chat = new ChatPanel(session);
    fill(
      this.board.center,
      h("div", { class: "brand-mark" }, "BOARDROOM"),
      this.status,
      this.dice,
      this.timer,
      this.actions,
    );
    this.side.append(
      h("section", { class: "panel players" }, h("h2", null, "Players ", this.roundEl), this.playersEl),
      h("section", { class: "panel log" }, h("h2", { id: "game-log-title" }, "Game log"), this.log),
      this.chat.el,
    );
    this.el = h(
      "section",
      { class: "game", "data-testid": "game-screen" },
      h("h1", { class: "sr-only" }, "Game"),
      h(
        "a",
        {
          class: "skip-link",
          href: "#game-side",
          "data-testid": "skip-board",
          onclick: (e: Event) => {
            e.preventDefault();
            this.side.focus();
            this.side.scrollIntoView({ block: "start" });
          },
        },
        "Skip the board",
      ),
      h("div", { class: "board-wrap" }, this.board.el),
      this.side,
      this.winner,
    );
    // the dialog gives the focus back to what had it, which may have been redrawn meanwhile
    this.winner.addEventListener("close", () => {
      if (document.activeElement === document.body || document.activeElement === null) this.focus();
    });
    // the moves from before this screen (the history sent on joining) are not read out as news
    liveSoon(this.log);
    this.unsubscribe = session.subscribe(() => this.update());
    this.ticker = setInterval(() => this.tick(), 250);
    this.update();
    queueMicrotask(() => this.update()); // once on the page: the result dialog can only open in a document
  }

  /** The first action (roll, buy, end the turn, or the results): where the focus goes after a screen change. */
  focus() {
    this.actions.querySelector<HTMLElement>("button")?.focus();
  }

  destroy() {
    this.unsubscribe();
    clearInterval(this.ticker);
    document.title = "Boardroom";
    if (this.winner.open) this.winner.close();
  }

  private players(state: GameState): Player[] {
    const list: Player[] = [];
    state.players.forEach((p) => {
      list.push(p);
    });
    return list.sort((a, b) => a.seat - b.seat);
  }

  private cast(state: GameState): Cast {
    return {
      name: (id) => state.players.get(String(id))?.name ?? "someone",
      tile: (i) => this.boardData.tiles[Number(i)],
      away: (id) => state.players.get(String(id))?.connected === false,
    };
  }

  update() {
    const state = this.session.state;
    if (!state) return;
    const players = this.players(state);
    const owners: string[] = [];
    state.owners.forEach((o) => {
      owners.push(o);
    });
    this.board.update({ players, owners, currentTurn: state.currentTurn });
    this.renderCenter(state);
    markSpectating(this.board.center, this.actions, state, this.session.me);
    this.renderPlayers(state, players, owners);
    this.renderLog(state);
    this.chat.update();
    this.renderWinner(state, players);
    playAgainControls(this.winner, state, this.session);
    this.tick();
  }

  private renderCenter(state: GameState) {
    const me = state.players.get(this.session.me);
    const current = state.players.get(state.currentTurn);
    const myTurn = state.phase === "playing" && state.currentTurn === this.session.me;
    const here = current ? this.boardData.tiles[current.position] : undefined;

    let text: string;
    if (state.phase === "finished") text = "The game is over.";
    else if (!current) text = "Waiting…";
    else if (myTurn) {
      text =
        state.stage === "roll"
          ? me?.inJail
            ? "Your turn: you are in jail. Roll for doubles or pay bail."
            : "Your turn: roll the dice."
          : state.stage === "decide"
            ? `Your turn: buy ${here?.name ?? "this tile"}?`
            : "Your turn: end it when you are done.";
    } else {
      text =
        state.stage === "roll"
          ? `${current.name} is about to roll.`
          : state.stage === "decide"
            ? `${current.name} is deciding on ${here?.name ?? "a tile"}.`
            : `${current.name} is finishing the turn.`;
    }
    // a live region: only a change is written (and so announced)
    if (this.status.textContent !== text) this.status.textContent = text;
    this.status.classList.toggle("mine", myTurn);
    document.title = myTurn ? "Your turn · Boardroom" : state.phase === "finished" ? "Game over · Boardroom" : "Boardroom";
    this.status.style.setProperty("--seat", current ? seatColor(current.seat) : "transparent");

    const dice: number[] = [];
    state.dice.forEach((d) => {
      dice.push(d);
    });
    const diceKey = `${dice.join("-")}:${state.seq}`;
    if (diceKey !== this.diceKey) {
      const rolled = dice.join("-") !== this.diceKey.split(":")[0];
      this.diceKey = diceKey;
      fill(this.dice, die(dice[0]), die(dice[1]));
      if (rolled && dice.length) {
        this.dice.classList.remove("rolled");
        void this.dice.offsetWidth; // restart the animation
        this.dice.classList.add("rolled");
      }
    }

    const actions: Action[] = [];
    if (state.phase === "playing") {
      if (state.stage === "roll") {
        actions.push({ type: "roll", label: "Roll dice", primary: true });
        if (current?.inJail) actions.push({ type: "pay_bail", label: `Pay bail ${money(this.boardData.rules.bail)}` });
      } else if (state.stage === "decide") {
        actions.push({ type: "buy", label: here?.price !== undefined ? `Buy for ${money(here.price)}` : "Buy", primary: true });
        actions.push({ type: "pass", label: "Don't buy" });
      } else if (state.stage === "end") {
        actions.push({ type: "end_turn", label: "End turn", primary: true });
      }
    }
    const key = `${state.phase}|${actions.map((a) => `${a.type}:${a.label}:${myTurn && !this.session.waiting(a.type) && this.session.connected}`).join("|")}`;
    if (key === this.actionsKey) return;
    this.actionsKey = key;
    // the buttons are drawn again: one that had the focus hands it to the first of the new ones
    const hadFocus = this.actions.contains(document.activeElement);
    if (state.phase === "finished") {
      fill(this.actions, h("button", { class: "btn btn-primary", "data-testid": "show-results", onclick: () => this.showResult() }, "Results"));
    } else {
      fill(
        this.actions,
        actions.map((a) => {
          // aria-disabled, not disabled: a button that cannot be used now still holds the focus
          const off = !myTurn || this.session.waiting(a.type) || !this.session.connected;
          return h(
            "button",
            {
              class: `btn${a.primary ? " btn-primary" : ""}`,
              "data-testid": `action-${a.type}`,
              "aria-disabled": String(off),
              onclick: () => {
                if (myTurn && !this.session.waiting(a.type) && this.session.connected) this.session.send(a.type);
              },
            },
            a.label,
          );
        }),
      );
    }
    if (hadFocus) this.focus();
  }

  private tick() {
    const state = this.session.state;
    const deadline = state?.turnDeadline ?? 0;
    if (state?.phase !== "playing" || !deadline) {
      this.timer.hidden = true;
      return;
    }
    this.timer.hidden = false;
    const left = Math.max(0, deadline - Date.now());
    const total = Math.max(1, state.turnSeconds * 1000);
    const seconds = Math.ceil(left / 1000);
    this.timerText.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    this.timerBar.style.width = `${Math.min(100, (left / total) * 100)}%`;
    this.timer.classList.toggle("urgent", left < 10_000);
  }

  private renderPlayers(state: GameState, players: Player[], owners: string[]) {
    this.roundEl.textContent = state.round ? `Round ${state.round} of ${state.maxRounds}` : "";
    fill(
      this.playersEl,
      players.map((p) => {
        const held = owners.filter((o) => o === p.id).length;
        const marks = [
          p.id === state.currentTurn ? h("span", { class: "badge badge-turn" }, "Turn") : null,
          p.inJail ? h("span", { class: "badge badge-jail", "data-testid": "mark-jail" }, "In jail") : null,
          p.bankrupt ? h("span", { class: "badge badge-bankrupt", "data-testid": "mark-bankrupt" }, "Bankrupt") : null,
          p.connected ? null : h("span", { class: "badge badge-offline", "data-testid": "mark-offline" }, "Offline"),
        ];
        return h(
          "li",
          {
            class: `player${p.id === state.currentTurn ? " current" : ""}${p.bankrupt ? " out" : ""}`,
            style: seatStyle(p.seat),
            "data-testid": "player-row",
            "data-session-id": p.id,
            "data-seat": p.seat,
            "data-money": p.money,
            "data-position": p.position,
            "data-connected": String(p.connected),
          },
          token(p),
          h(
            "span",
            { class: "player-main" },
            h("span", { class: "player-name" }, p.name, p.id === this.session.me ? h("span", { class: "muted" }, " (you)") : null),
            h("span", { class: "player-sub" }, `${this.boardData.tiles[p.position]?.name ?? ""} · ${held} owned`),
          ),
          h("span", { class: "player-marks" }, marks),
          h("span", { class: "player-money", "data-testid": "money" }, money(p.money)),
        );
      }),
    );
  }

  private renderLog(state: GameState) {
    const { events, eventCount, game } = this.session;
    if (game !== this.loggedGame) {
      // play again: the log starts over with the new game (the events kept are that game's)
      this.loggedGame = game;
      this.logged = eventCount - events.length;
      this.log.replaceChildren();
      liveSoon(this.log);
    }
    if (eventCount === this.logged) {
      if (this.log.children.length === 0) this.log.append(h("li", { class: "empty" }, "Moves will appear here."));
      return;
    }
    this.log.querySelector(":scope > .empty")?.remove();
    const fresh: EventMessage[] = events.slice(Math.max(0, events.length - (eventCount - this.logged)));
    const cast = this.cast(state);
    for (const event of fresh) {
      const sentence = narrate(event, cast);
      if (!sentence) continue;
      const player = state.players.get(String(event.player ?? event.winner ?? ""));
      const byServer = serverPlayed(event);
      this.log.prepend(
        h(
          "li",
          {
            class: `ev ev-${event.type}${byServer ? " ev-auto" : ""}`,
            "data-testid": "event",
            "data-type": event.type,
            "data-auto": byServer ? "true" : null,
            style: player ? `--seat:${seatColor(player.seat)}` : "",
          },
          byServer ? h("span", { class: "badge badge-auto", "aria-hidden": "true" }, "Server") : null,
          sentence,
        ),
      );
    }
    while (this.log.children.length > 150) this.log.lastElementChild?.remove();
    this.logged = eventCount;
  }

  /** Money plus the purchase price of every tile owned: what the round limit ranks by. */
  private worth(state: GameState, player: Player): number {
    let total = player.money;
    state.owners.forEach((owner, i) => {
      if (owner === player.id) total += this.boardData.tiles[i]?.price ?? 0;
    });
    return total;
  }

  /** The result, once `phase` is "finished": the server sets every player's final `rank`. */
  private renderWinner(state: GameState, players: Player[]) {
    if (state.phase !== "finished") return;
    const order = [...players].sort((a, b) => (a.rank || 99) - (b.rank || 99));
    // the host's primary action is playing again (rematch.ts), everyone else's going home
    const hosting = state.hostId === this.session.me;
    const key = `${state.winner}:${hosting}:${order.map((p) => `${p.id}=${p.rank}`).join(",")}`;
    if (key !== this.winnerKey) {
      this.winnerKey = key;
      const winner = state.players.get(state.winner);
      fill(
        this.winner,
        h(
          "div",
          { class: "winner-card" },
          svg(ICONS.trophy, "trophy"),
          h("h2", { "data-testid": "winner-name" }, winner ? (winner.id === this.session.me ? "You win!" : `${winner.name} wins!`) : "Game over"),
          h(
            "ol",
            { class: "ranking" },
            order.map((p) =>
              h("li", null, token(p), h("span", null, p.name), h("span", { class: "muted", title: "money plus the price of the streets held" }, p.bankrupt ? "bankrupt" : `worth ${money(this.worth(state, p))}`)),
            ),
          ),
          h(
            "div",
            { class: "row" },
            h(
              "button",
              {
                class: "btn",
                onclick: () => {
                  this.winnerDismissed = true;
                  this.winner.close();
                },
              },
              "See the board",
            ),
            state.code ? replayButton(state.code) : null,
            h("button", { class: hosting ? "btn" : "btn btn-primary", "data-testid": "back-home", onclick: () => this.goHome() }, "Back to home"),
          ),
        ),
      );
    }
    if (!this.winner.open && !this.winnerDismissed && this.winner.isConnected) this.winner.showModal();
  }

  private showResult() {
    this.winnerDismissed = false;
    if (!this.winner.open) this.winner.showModal();
  }
}
