/**
 * One player's past games, opened from a name on the home screen's leaderboard: GET
 * /players/:name/matches as a small table (when, their rank, how many played, their net worth) with
 * a "Watch replay" link per match to the replay viewer (`/?replay=<id>`, a real link: it can open in
 * a new tab). The leaderboard owns where the focus goes; this owns what the panel says.
 */
import { Problem, fetchPlayerMatches, type PlayerMatch } from "./api.ts";
import { fill, h } from "./dom.ts";
import { money } from "./format.ts";
import { toast } from "./notices.ts";

/** How many of a player's latest matches are asked for (the server's default). */
export const HISTORY_SHOWN = 20;

const ORDINAL = new Intl.PluralRules("en-US", { type: "ordinal" });
const SUFFIX: Record<string, string> = { one: "st", two: "nd", few: "rd", other: "th" };
export const ordinal = (n: number) => `${n}${SUFFIX[ORDINAL.select(n)] ?? "th"}`;

/** "Dec 2, 03:12", with the year when it is not this year's. */
function when(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const thisYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleString(undefined, { year: thisYear ? undefined : "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

export interface HistoryOptions {
  /** Back to the leaderboard (the Back button, or Escape inside the panel). */
  back(): void;
}

export class PlayerHistoryView {
  readonly el: HTMLElement;
  private readonly heading = h("h3", { id: "player-history-heading", tabindex: -1, "data-testid": "player-history-heading" });
  private readonly caption = h("caption", null);
  private readonly body = h("tbody", null);
  private readonly table = h(
    "table",
    { class: "data-table history-table", "data-testid": "player-history-table" },
    this.caption,
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th", { scope: "col", class: "col-when" }, "When"),
        h("th", { scope: "col", class: "col-rank num" }, "Rank"),
        h("th", { scope: "col", class: "col-players num" }, "Players"),
        h("th", { scope: "col", class: "col-worth num" }, "Net worth"),
        h("th", { scope: "col", class: "col-replay" }, h("span", { class: "sr-only" }, "Replay")),
      ),
    ),
    this.body,
  );
  private readonly status = h("p", { class: "leaderboard-status", role: "status", "data-testid": "player-history-status" });
  private name = "";
  /** Only the latest request's answer is shown (one for another name, or after Back, is dropped). */
  private request = 0;

  constructor(options: HistoryOptions) {
    this.el = h(
      "section",
      {
        class: "player-history",
        "aria-labelledby": "player-history-heading",
        "data-testid": "player-history",
        hidden: true,
        onkeydown: (e: Event) => {
          if ((e as KeyboardEvent).key !== "Escape") return;
          e.preventDefault();
          options.back();
        },
      },
      h(
        "div",
        { class: "history-head" },
        this.heading,
        h("button", { type: "button", class: "btn btn-small", "data-testid": "player-history-back", onclick: () => options.back() }, h("span", { "aria-hidden": "true" }, "← "), "Back to the leaderboard"),
      ),
      this.table,
      this.status,
    );
  }

  /** Shows `name`'s games (loading them); the caller puts the focus on `heading`. */
  open(name: string) {
    this.name = name;
    this.el.hidden = false;
    this.el.dataset.name = name;
    this.heading.textContent = `${name}'s games`;
    void this.load();
  }

  close() {
    this.request++;
    this.el.hidden = true;
  }

  focus() {
    this.heading.focus();
  }

  private async load() {
    const request = ++this.request;
    const name = this.name;
    fill(this.body);
    this.table.hidden = true;
    this.el.dataset.state = "loading";
    this.status.textContent = `Loading ${name}'s games…`;
    let matches: PlayerMatch[];
    try {
      matches = await fetchPlayerMatches(name, HISTORY_SHOWN);
    } catch (e) {
      if (request !== this.request) return;
      const problem = e instanceof Problem ? e : new Problem("Something went wrong while loading the games.");
      // a refusal is told as the home screen tells every other one; the panel keeps a way to try again
      toast(problem.message, "error");
      this.el.dataset.state = "failed";
      this.el.dataset.error = String(problem.code ?? "");
      fill(
        this.status,
        `${name}'s games could not be loaded. `,
        h(
          "button",
          {
            type: "button",
            class: "btn btn-small",
            "data-testid": "player-history-retry",
            onclick: () => {
              this.focus(); // the button goes with the message it is in
              void this.load();
            },
          },
          "Retry",
        ),
      );
      return;
    }
    if (request !== this.request) return;
    delete this.el.dataset.error;
    this.render(matches);
  }

  private render(matches: PlayerMatch[]) {
    const name = this.name;
    fill(
      this.body,
      matches.map((m) => {
        const ended = when(m.endedAt);
        return h(
          "tr",
          { class: m.rank === 1 ? "winner" : "", "data-testid": "player-history-row", "data-match-id": m.matchId, "data-rank": m.rank, "data-players": m.players, "data-ended-at": m.endedAt },
          h(
            "td",
            { class: "when" },
            h("time", { datetime: m.endedAt }, ended),
            // the leaderboard shows a player by their latest name: an older game says which name it was
            m.name !== name ? h("span", { class: "as-name", title: m.name }, `as ${m.name}`) : null,
          ),
          h("td", { class: "num rank" }, ordinal(m.rank)),
          h("td", { class: "num" }, m.players),
          h("td", { class: "num col-worth" }, money(m.netWorth)),
          h(
            "td",
            { class: "replay" },
            h(
              "a",
              { class: "replay-link", href: `/?replay=${m.matchId}`, "data-testid": "player-history-replay" },
              "Watch replay",
              // each link's name its own, as the viewer's heading says it ("Replay of match 12")
              h("span", { class: "sr-only" }, ` of match ${m.matchId}, ${ended}`),
            ),
          ),
        );
      }),
    );
    this.caption.textContent = matches.length >= HISTORY_SHOWN ? `The latest ${HISTORY_SHOWN} games, newest first` : "Newest first";
    this.table.hidden = matches.length === 0;
    this.el.dataset.state = matches.length === 0 ? "empty" : "ready";
    this.status.textContent = matches.length === 0 ? `${name} has no finished games yet.` : "";
  }
}
