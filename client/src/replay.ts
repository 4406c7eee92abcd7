/**
 * The replay viewer (`/?replay=<id>`): a finished match as GET /matches/:id/replay answers it, its
 * states rebuilt in the page with the pure rules (src/game) the way checkReplay does (newGame from
 * the setup, then apply or forfeit per action), drawn read-only on the game screen's board. Each
 * rebuilt state's hash is compared with the action's (src/match/hash.ts: the first 16 hex digits of
 * the SHA-256 of the canonical JSON, here with crypto.subtle) and a difference is shown as a warning.
 */
import * as rules from "../../src/game/index.ts";
import { STATE_HASH_HEX_DIGITS, canonicalJson } from "../../src/match/canonical.ts";
import type { Player } from "../../src/schema/GameState.ts";
import { serverUrl, type Board } from "./api.ts";
import { BoardView, token } from "./board.ts";
import { fill, h } from "./dom.ts";
import { money, seatColor, seatStyle } from "./format.ts";
import "./replay.css";

interface ReplayAction {
  seq: number;
  player: string;
  type: rules.Action["type"] | "forfeit";
  hash: string;
  auto?: true;
}

interface Replay {
  setup: { players: Array<{ id: string; name: string; seat: number }>; options: { maxRounds?: number }; seed: number };
  actions: ReplayAction[];
}

const ACTION_WORDS: Record<ReplayAction["type"], string> = {
  roll: "rolls",
  buy: "buys",
  pass: "does not buy",
  end_turn: "ends the turn",
  pay_bail: "pays bail",
  forfeit: "leaves the game",
};

/** How long each step shows while playing. */
const PLAY_MS = 600;

async function stateHash(state: rules.GameState): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalJson(state)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, STATE_HASH_HEX_DIGITS);
}

/** The match's states: [0] after the start, [i + 1] after action i (a refused action changes nothing). */
function rebuild(replay: Replay): { states: rules.GameState[]; refused: Map<number, string> } {
  const { setup, actions } = replay;
  let game = rules.newGame(setup.players, { seed: setup.seed, maxRounds: setup.options.maxRounds });
  const states = [game];
  const refused = new Map<number, string>();
  actions.forEach((action, i) => {
    const result = action.type === "forfeit" ? rules.forfeit(game, action.player) : rules.apply(game, action.player, { type: action.type });
    if (result.ok) game = result.state;
    else refused.set(i, result.error.code);
    states.push(game);
  });
  return { states, refused };
}

/** The board's player shape (it draws the synchronized schema's players) from a rules player. */
function asPlayer(p: rules.PlayerState): Player {
  return { id: p.id, name: p.name, seat: p.seat, money: p.money, position: p.position, inJail: p.inJail, bankrupt: p.bankrupt, connected: true, rank: 0 } as unknown as Player;
}

export class ReplayView {
  readonly el: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly body = h("div", { class: "replay-body" });
  private readonly status = h("p", { class: "replay-step", role: "status", "aria-live": "polite", "aria-atomic": "true", "data-testid": "replay-step" });
  private readonly warnings = h("ul", { class: "replay-warnings", "data-testid": "replay-warnings" });
  private readonly buttons: Record<"first" | "previous" | "play" | "next" | "last", HTMLButtonElement>;
  private board: BoardView | null = null;
  private readonly playersEl = h("ol", { class: "player-list", "data-testid": "replay-players" });
  private readonly roundEl = h("span", { class: "muted", "data-testid": "replay-round" });
  private readonly actionList = h("ol", { class: "replay-actions", "aria-labelledby": "replay-actions-title", "data-testid": "replay-actions" });
  private readonly summary = h("p", { class: "replay-summary", "data-testid": "replay-summary" });
  private replay: Replay | null = null;
  private states: rules.GameState[] = [];
  private step = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private destroyed = false;

  constructor(
    private readonly boardData: Board,
    private readonly id: string,
    goHome: () => void,
  ) {
    this.heading = h("h1", { class: "replay-title" }, `Replay of match ${id}`);
    const button = (name: keyof ReplayView["buttons"], label: string, onclick: () => void) =>
      h("button", { type: "button", class: `btn${name === "play" ? " btn-primary" : ""}`, "data-testid": `replay-${name}`, "aria-disabled": "true", onclick }, label);
    this.buttons = {
      first: button("first", "First", () => this.go(0)),
      previous: button("previous", "Previous", () => this.go(this.step - 1)),
      play: button("play", "Play", () => this.togglePlay()),
      next: button("next", "Next", () => this.go(this.step + 1)),
      last: button("last", "Last", () => this.go(this.states.length - 1)),
    };
    this.el = h(
      "section",
      { class: "replay", "data-testid": "replay-screen", "data-state": "loading" },
      h(
        "div",
        { class: "replay-head" },
        this.heading,
        h("button", { type: "button", class: "btn btn-ghost btn-small", "data-testid": "replay-home", onclick: () => goHome() }, "Back to home"),
      ),
      h("div", { class: "replay-controls", role: "group", "aria-label": "Replay controls" }, Object.values(this.buttons)),
      this.status,
      this.warnings,
      this.body,
    );
    this.warnings.hidden = true;
    this.status.textContent = "Loading the replay…";
    void this.load();
  }

  focus() {
    this.buttons.next.focus();
  }

  destroy() {
    this.destroyed = true;
    this.pause();
    document.title = "Boardroom";
  }

  private async load() {
    let replay: Replay;
    try {
      const res = await fetch(serverUrl(`/matches/${encodeURIComponent(this.id)}/replay`), { headers: { Accept: "application/json" } });
      const body = await res.json().catch(() => null);
      if (!res.ok || !Array.isArray(body?.actions)) throw new Error(body?.error?.message ?? `The server answered ${res.status}.`);
      replay = body;
    } catch (e) {
      return this.failed(e instanceof TypeError ? "Cannot reach the game server." : (e as Error).message);
    }
    if (this.destroyed) return;
    let built: ReturnType<typeof rebuild>;
    try {
      built = rebuild(replay);
    } catch (e) {
      return this.failed(`The rules refuse this match's setup: ${(e as Error).message}`);
    }
    this.replay = replay;
    this.states = built.states;
    this.render();
    this.el.dataset.state = "ready";
    document.title = `Replay of match ${this.id} · Boardroom`;
    this.go(0);
    void this.check(replay, built.refused);
  }

  private failed(why: string) {
    if (this.destroyed) return;
    this.el.dataset.state = "failed";
    this.status.textContent = `This replay cannot be shown: ${why}`;
  }

  private render() {
    const replay = this.replay!;
    const names = new Map(replay.setup.players.map((p) => [p.id, p]));
    this.board = new BoardView(this.boardData.tiles);
    fill(this.board.center, h("div", { class: "brand-mark" }, "BOARDROOM"), this.summary);
    const items = [h("li", { "data-testid": "replay-action", "data-index": 0 }, h("span", { class: "replay-seq" }, "0"), "The game starts")];
    replay.actions.forEach((a, i) => {
      const who = names.get(a.player);
      items.push(
        h(
          "li",
          { "data-testid": "replay-action", "data-index": i + 1, style: who ? `--seat:${seatColor(who.seat)}` : "" },
          h("span", { class: "replay-seq" }, a.seq),
          `${who?.name ?? a.player} ${ACTION_WORDS[a.type] ?? a.type}`,
          a.auto ? h("span", { class: "badge badge-auto" }, "Server") : null,
        ),
      );
    });
    fill(this.actionList, items);
    fill(
      this.body,
      h("div", { class: "board-wrap" }, this.board.el),
      h(
        "aside",
        { class: "side", "aria-label": "Players and actions" },
        h("section", { class: "panel players" }, h("h2", null, "Players ", this.roundEl), this.playersEl),
        h("section", { class: "panel" }, h("h2", { id: "replay-actions-title" }, "Actions"), this.actionList),
      ),
    );
  }

  /** Shows step `index` (0: the start, M: after the last action). The buttons stay: the focus stays on the one pressed. */
  private go(index: number) {
    if (!this.replay) return;
    const last = this.states.length - 1;
    const step = Math.max(0, Math.min(last, index));
    this.step = step;
    const state = this.states[step];
    const players = state.players.map(asPlayer).sort((a, b) => a.seat - b.seat);
    const currentTurn = state.finished ? "" : (state.players[state.current]?.id ?? "");
    this.board!.update({ players, owners: state.owners.map((o) => o ?? ""), currentTurn });
    this.roundEl.textContent = `Round ${state.round} of ${state.maxRounds}`;
    fill(
      this.playersEl,
      players.map((p) => {
        const held = state.owners.filter((o) => o === p.id).length;
        return h(
          "li",
          {
            class: `player${p.id === currentTurn ? " current" : ""}${p.bankrupt ? " out" : ""}`,
            style: seatStyle(p.seat),
            "data-testid": "replay-player",
            "data-name": p.name,
            "data-money": p.money,
            "data-position": p.position,
          },
          token(p, p.id === currentTurn),
          h(
            "span",
            { class: "player-main" },
            h("span", { class: "player-name" }, p.name),
            h("span", { class: "player-sub" }, `${this.boardData.tiles[p.position]?.name ?? ""} · ${held} owned`),
          ),
          h(
            "span",
            { class: "player-marks" },
            state.winner === p.id ? h("span", { class: "badge badge-turn" }, "Winner") : null,
            p.inJail ? h("span", { class: "badge badge-jail" }, "In jail") : null,
            p.bankrupt ? h("span", { class: "badge badge-bankrupt" }, "Bankrupt") : null,
          ),
          h("span", { class: "player-money", "data-testid": "replay-money" }, money(p.money)),
        );
      }),
    );
    const action = step > 0 ? this.replay.actions[step - 1] : null;
    const who = action ? state.players.find((p) => p.id === action.player) : null;
    const dice = action?.type === "roll" && state.dice ? `: ${state.dice[0]} and ${state.dice[1]}` : "";
    const what = action ? `${who?.name ?? action.player} ${ACTION_WORDS[action.type] ?? action.type}${dice}` : "The game starts";
    const text = `Step ${step} of ${last}. ${what}.${state.finished && step === last ? " The game is over." : ""}`;
    if (this.status.textContent !== text) this.status.textContent = text;
    this.summary.textContent = what;
    this.el.dataset.step = String(step);
    for (const item of this.actionList.children) {
      const current = Number((item as HTMLElement).dataset.index) === step;
      item.classList.toggle("current", current);
      if (current) {
        item.setAttribute("aria-current", "step");
        // scrolled within the list only: the page does not jump while playing
        const li = item as HTMLElement;
        const list = this.actionList;
        if (li.offsetTop < list.scrollTop || li.offsetTop + li.offsetHeight > list.scrollTop + list.clientHeight) {
          list.scrollTop = li.offsetTop - list.clientHeight / 2;
        }
      } else item.removeAttribute("aria-current");
    }
    this.buttons.first.setAttribute("aria-disabled", String(step === 0));
    this.buttons.previous.setAttribute("aria-disabled", String(step === 0));
    this.buttons.next.setAttribute("aria-disabled", String(step === last));
    this.buttons.last.setAttribute("aria-disabled", String(step === last));
    this.buttons.play.setAttribute("aria-disabled", String(last === 0));
    if (step === last) this.pause();
  }

  private togglePlay() {
    if (!this.replay) return;
    if (this.timer) return this.pause();
    if (this.step === this.states.length - 1) this.go(0);
    this.timer = setInterval(() => this.go(this.step + 1), PLAY_MS);
    this.buttons.play.textContent = "Pause";
  }

  private pause() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.buttons.play.textContent = "Play";
  }

  /** Every rebuilt state's hash against the action's: a difference is a warning above the board. */
  private async check(replay: Replay, refused: Map<number, string>) {
    const problems: string[] = [];
    for (const [i, code] of refused) problems.push(`Step ${i + 1} (seq ${replay.actions[i].seq}): the rules refuse ${replay.actions[i].type} (${code}).`);
    if (!globalThis.crypto?.subtle) {
      problems.push("The state hashes could not be checked: this page is not a secure context.");
    } else {
      for (let i = 0; i < replay.actions.length; i++) {
        if (refused.has(i)) continue;
        const actual = await stateHash(this.states[i + 1]);
        if (this.destroyed) return;
        if (actual !== replay.actions[i].hash) problems.push(`Step ${i + 1} (seq ${replay.actions[i].seq}): the rebuilt state's hash is ${actual}, the server's ${replay.actions[i].hash}.`);
      }
    }
    this.el.dataset.checked = problems.length ? "mismatch" : "ok";
    if (problems.length === 0) return;
    fill(this.warnings, problems.slice(0, 10).map((p) => h("li", { "data-testid": "replay-mismatch" }, p)), problems.length > 10 ? h("li", null, `and ${problems.length - 10} more.`) : null);
    this.warnings.hidden = false;
  }
}

/**
 * "Watch the replay" for the result screen: the room knows its code, not its match id, so the id is
 * the newest finished match of that code (GET /matches/recent), asked for on the click.
 */
export function replayButton(code: string): HTMLButtonElement {
  const button = h("button", { type: "button", class: "btn", "data-testid": "watch-replay" }, "Watch the replay");
  button.addEventListener("click", () => {
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    void (async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const res = await fetch(serverUrl("/matches/recent?limit=50"), { headers: { Accept: "application/json" } }).catch(() => null);
        const body = res?.ok ? await res.json().catch(() => null) : null;
        const match = (body?.matches as Array<{ id: number | string; code: string }> | undefined)?.find((m) => m.code === code);
        if (match) return location.assign(`${location.pathname}?replay=${encodeURIComponent(String(match.id))}`);
        // the record is written as the game ends: a click at once may come before it
        await new Promise((r) => setTimeout(r, 600));
      }
      button.removeAttribute("aria-busy");
      button.textContent = "Replay not found yet, try again";
    })();
  });
  return button;
}
