/**
 * The leaderboard on the home screen: GET /leaderboard as a small table, with a switch between the
 * last 24 hours, the last 7 days and all time. The server ranks (docs/protocol.md#leaderboard);
 * this only shows what it answers. Each name opens that player's games in the card (history.ts), in
 * place of the table; Back (or Escape) brings the table back with the focus on the name.
 */
import { serverUrl } from "./api.ts";
import { fill, h } from "./dom.ts";
import { money } from "./format.ts";
import { PlayerHistoryView } from "./history.ts";
import "./leaderboard.css";

type Period = "day" | "week" | "all";

interface Entry {
  rank: number;
  name: string;
  wins: number;
  games: number;
  averageRank: number;
  netWorth: number;
}

const PERIODS: Array<{ period: Period; label: string; caption: string }> = [
  { period: "day", label: "24 hours", caption: "Top players of the last 24 hours" },
  { period: "week", label: "7 days", caption: "Top players of the last 7 days" },
  { period: "all", label: "All time", caption: "Top players of all time" },
];

const SHOWN = 10;

export class LeaderboardView {
  readonly el: HTMLElement;
  private period: Period = "all";
  private readonly buttons = new Map<Period, HTMLButtonElement>();
  private readonly caption = h("caption", null);
  private readonly body = h("tbody", null);
  private readonly table = h(
    "table",
    { class: "data-table leaderboard-table", "data-testid": "leaderboard-table" },
    this.caption,
    h(
      "colgroup",
      null,
      h("col", { class: "col-rank" }),
      h("col", { class: "col-name" }),
      h("col", { class: "col-count" }),
      h("col", { class: "col-count" }),
      h("col", { class: "col-average" }),
      h("col", { class: "col-money" }),
    ),
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Rank"), h("span", { "aria-hidden": "true" }, "#")),
        h("th", { scope: "col" }, "Player"),
        h("th", { scope: "col", class: "num" }, "Wins"),
        h("th", { scope: "col", class: "num" }, "Games"),
        h("th", { scope: "col", class: "num" }, "Avg. rank"),
        h("th", { scope: "col", class: "num" }, "Best worth"),
      ),
    ),
    this.body,
  );
  /** Loading, empty and failed states, read out when they change. */
  private readonly status = h("p", { class: "leaderboard-status", role: "status", "data-testid": "leaderboard-status" });
  /** Only the latest request's answer is shown (a slow answer of an earlier period is dropped). */
  private request = 0;
  private readonly switcher: HTMLElement;
  /** The table, its status and its hint: what the history takes the place of. */
  private readonly ranking: HTMLElement;
  private readonly history = new PlayerHistoryView({ back: () => this.closeHistory() });
  /** Whose history is open (null: the table is shown). */
  private opened: string | null = null;

  constructor() {
    this.switcher = h(
      "div",
      { class: "period-switch", role: "group", "aria-label": "Period" },
      PERIODS.map(({ period, label }) => {
        const button = h(
          "button",
          { type: "button", class: "period-option", "aria-pressed": "false", "data-testid": `leaderboard-period-${period}`, onclick: () => void this.show(period) },
          label,
        );
        this.buttons.set(period, button);
        return button;
      }),
    );
    this.ranking = h(
      "div",
      { class: "leaderboard-ranking" },
      this.table,
      this.status,
      h(
        "p",
        { class: "hint" },
        "Ranked by wins, then average finishing rank, then best net worth. ",
        h("span", { id: "leaderboard-player-hint" }, "Choose a name for that player's games and replays."),
      ),
    );
    this.el = h(
      "section",
      { class: "card leaderboard-card", "aria-labelledby": "leaderboard-heading", "data-testid": "leaderboard", "data-view": "ranking" },
      h("div", { class: "leaderboard-head" }, h("h2", { id: "leaderboard-heading" }, "Leaderboard"), this.switcher),
      this.ranking,
      this.history.el,
    );
    this.table.hidden = true;
    void this.show("all");
  }

  private async show(period: Period) {
    this.period = period;
    const request = ++this.request;
    for (const [p, button] of this.buttons) button.setAttribute("aria-pressed", String(p === period));
    this.caption.textContent = PERIODS.find((p) => p.period === period)!.caption;
    this.el.dataset.period = period;
    this.el.dataset.state = "loading";
    this.status.textContent = "Loading…";
    let players: Entry[];
    try {
      const res = await fetch(serverUrl(`/leaderboard?period=${period}&limit=${SHOWN}`), { headers: { Accept: "application/json" } });
      const body = await res.json().catch(() => null);
      if (!res.ok || !Array.isArray(body?.players)) throw new Error(body?.error?.message ?? `The server answered ${res.status}.`);
      players = body.players;
    } catch (e) {
      if (request !== this.request) return;
      this.failed(e instanceof TypeError ? "Cannot reach the game server." : (e as Error).message);
      return;
    }
    if (request !== this.request) return;
    this.render(players);
  }

  private render(players: Entry[]) {
    fill(
      this.body,
      players.map((p) =>
        h(
          "tr",
          { class: p.rank === 1 ? "leader" : "", "data-testid": "leaderboard-row", "data-name": p.name, "data-rank": p.rank },
          h("td", { class: "rank" }, p.rank),
          h(
            "th",
            { scope: "row", class: "name", title: p.name },
            h(
              "button",
              { type: "button", class: "player-link", "aria-describedby": "leaderboard-player-hint", "data-testid": "leaderboard-player", "data-name": p.name, onclick: () => this.openHistory(p.name) },
              p.name,
            ),
          ),
          h("td", { class: "num" }, p.wins),
          h("td", { class: "num" }, p.games),
          h("td", { class: "num" }, p.averageRank.toFixed(2)),
          h("td", { class: "num" }, money(p.netWorth)),
        ),
      ),
    );
    this.table.hidden = players.length === 0;
    this.el.dataset.state = players.length === 0 ? "empty" : "ready";
    this.status.textContent =
      players.length === 0 ? "No finished games in this period yet: play one and it shows here." : "";
  }

  private openHistory(name: string) {
    this.opened = name;
    this.ranking.hidden = true;
    this.switcher.hidden = true;
    this.el.dataset.view = "history";
    this.history.open(name);
    this.history.focus();
  }

  /** Back to the table, the focus on the name the history was opened from (on the heading if it is gone). */
  private closeHistory() {
    const name = this.opened;
    this.opened = null;
    this.history.close();
    this.ranking.hidden = false;
    this.switcher.hidden = false;
    this.el.dataset.view = "ranking";
    const button = [...this.body.querySelectorAll<HTMLButtonElement>('button[data-testid="leaderboard-player"]')].find((b) => b.dataset.name === name);
    if (button) button.focus();
    else {
      const heading = this.el.querySelector<HTMLElement>("#leaderboard-heading")!;
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  private failed(why: string) {
    fill(this.body);
    this.table.hidden = true;
    this.el.dataset.state = "failed";
    fill(
      this.status,
      `The leaderboard is unavailable (${why}) `,
      h("button", { type: "button", class: "btn btn-small", onclick: () => void this.show(this.period) }, "Retry"),
    );
  }
}
