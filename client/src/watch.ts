/**
 * Watching games (spectators): which listings of the lobby room are rooms to join and which are
 * games in play to watch (a listing counts spectators in `clients` and their places in
 * `maxClients`: the players and seats come from its metadata), the list of games in play with their
 * Watch buttons, and the game screen of a spectator: no controls, a "Spectating" label.
 */
import type { GameState } from "../../src/schema/GameState.ts";
import { fill, h } from "./dom.ts";

export interface WatchListing {
  roomId: string;
  name?: string;
  clients: number;
  maxClients: number;
  createdAt?: string | number;
  metadata?: { code?: string; phase?: string; hostName?: string; maxPlayers?: number; spectators?: number };
}

/** Players seated (or on their way) and seats of a listed room. */
export function seatsOf(r: WatchListing): { players: number; seats: number; spectators: number } {
  const spectators = r.metadata?.spectators ?? 0;
  return { players: r.clients - spectators, seats: r.metadata?.maxPlayers ?? r.maxClients, spectators };
}

/** A room to join: in the lobby with a free seat. */
export function joinable(r: WatchListing): boolean {
  const { players, seats } = seatsOf(r);
  return r.metadata?.phase === "lobby" && players < seats;
}

/** A game in play: one to watch. */
export function watchable(r: WatchListing): boolean {
  return (r.name ?? "game") === "game" && r.metadata?.phase === "playing";
}

const sections = new WeakMap<HTMLElement, HTMLElement>();

/** The "Games in play" list, drawn beside `list` (the rooms to join) from the same listings. */
export function renderWatchList(list: HTMLElement, listings: Iterable<WatchListing>, watch: (roomId: string) => void, busy: boolean) {
  let section = sections.get(list);
  if (!section) {
    section = h("section", { class: "watch-list", "data-testid": "watch-list", "aria-label": "Games in play" });
    sections.set(list, section);
    list.after(section);
  }
  const games = [...listings].filter(watchable).sort((a, b) => String(a.createdAt ?? "").localeCompare(String(b.createdAt ?? "")));
  section.hidden = games.length === 0;
  if (games.length === 0) return fill(section);
  fill(
    section,
    h("h3", null, "Games in play"),
    h(
      "ul",
      { class: "room-list" },
      games.map((r) => {
        const host = r.metadata?.hostName || "Someone";
        const { players, spectators } = seatsOf(r);
        return h(
          "li",
          { class: "room-item", "data-testid": "watch-item", "data-room-id": r.roomId, "data-code": r.metadata?.code ?? "" },
          h(
            "span",
            { class: "room-main" },
            h("span", { class: "room-host" }, `${host}'s game`),
            h("span", { class: "muted" }, `${players} playing${spectators ? ` · ${spectators} watching` : ""}`),
          ),
          h("button", { class: "btn btn-small", "data-testid": "watch-listed", "aria-label": `Watch ${host}'s game`, disabled: busy, onclick: () => watch(r.roomId) }, "Watch"),
        );
      }),
    ),
  );
}

/** Whether this connection watches the room: the room's state has come and has no seat for it. */
export function spectating(state: GameState | undefined, me: string): boolean {
  return !!state && state.code !== "" && !state.players.has(me);
}

/** A spectator's game screen: a "Spectating" label on the board and no action buttons (the results stay). */
export function markSpectating(center: HTMLElement, actions: HTMLElement, state: GameState, me: string) {
  if (!spectating(state, me)) return;
  if (!center.querySelector('[data-testid="spectating"]')) {
    center.prepend(h("p", { class: "badge", role: "note", "data-testid": "spectating" }, "Spectating"));
  }
  if (state.phase !== "finished" && actions.childElementCount > 0) fill(actions);
}
