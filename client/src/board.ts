/**
 * The 40-tile board as an 11x11 CSS grid (Go bottom-right, play running clockwise as on the classic
 * board), with ownership marks and player tokens. The centre cell is left for the game view to fill.
 * The tiles are one tab stop: the arrow keys move between them as they lie on the board (Home: Go,
 * End: the last tile), Enter or a tap shows a tile's details. Each tile's name for screen readers
 * is its full name, price, owner and who stands on it.
 */
import type { Player } from "../../src/schema/GameState.ts";
import type { Tile } from "./api.ts";
import { h, svg } from "./dom.ts";
import { GROUP_COLORS, initial, money, seatColor, seatStyle, shortName } from "./format.ts";
import { tileIcon } from "./icons.ts";

export type Side = "bottom" | "left" | "top" | "right" | "corner";

/** Where tile `i` sits in the 11x11 grid (1-based rows and columns) and which edge it lines. */
export function placeTile(i: number): { row: number; col: number; side: Side } {
  if (i === 0) return { row: 11, col: 11, side: "corner" };
  if (i < 10) return { row: 11, col: 11 - i, side: "bottom" };
  if (i === 10) return { row: 11, col: 1, side: "corner" };
  if (i < 20) return { row: 21 - i, col: 1, side: "left" };
  if (i === 20) return { row: 1, col: 1, side: "corner" };
  if (i < 30) return { row: 1, col: i - 19, side: "top" };
  if (i === 30) return { row: 1, col: 11, side: "corner" };
  return { row: i - 29, col: 11, side: "right" };
}

const KIND_LABEL: Record<string, string> = {
  street: "Street",
  railroad: "Railroad",
  utility: "Utility",
  tax: "Tax",
  chance: "Chance",
  chest: "Community Chest",
  go: "Start",
  jail: "Jail",
  free_parking: "Free Parking",
  go_to_jail: "Go to Jail",
};

export interface BoardPlayers {
  players: Player[];
  owners: string[];
  currentTurn: string;
}

export class BoardView {
  readonly el: HTMLElement;
  readonly center: HTMLElement;
  private readonly cells: HTMLElement[] = [];
  private readonly tokenSlots: HTMLElement[] = [];
  /** What a screen reader reads for each tile (the visible text is shortened). */
  private readonly spoken: HTMLElement[] = [];
  /** The tile that is the board's one tab stop. */
  private active = 0;
  private readonly dialog: HTMLDialogElement;
  private last: BoardPlayers = { players: [], owners: [], currentTurn: "" };

  constructor(private readonly tiles: Tile[]) {
    this.center = h("div", { class: "board-center" });
    this.dialog = h("dialog", { class: "tile-dialog", "data-testid": "tile-dialog" });
    this.dialog.addEventListener("click", (e) => {
      if (e.target === this.dialog) this.dialog.close();
    });
    const keys = h("span", { class: "sr-only", id: "board-keys" }, "Arrow keys move between the tiles, Enter shows a tile.");
    this.el = h("div", { class: "board", role: "group", "aria-label": "Board", "aria-describedby": "board-keys", "data-testid": "board" }, keys, this.center, this.dialog);
    for (const tile of tiles) {
      const cell = this.renderTile(tile);
      this.cells[tile.index] = cell;
      this.el.append(cell);
    }
    this.el.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** Arrow keys: the neighbouring tile in that direction on the board's ring (none: stay). */
  private onKey(e: KeyboardEvent) {
    const from = this.cells.indexOf(e.target as HTMLElement);
    if (from < 0) return;
    const step: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    let to: number | null = null;
    if (e.key === "Home") to = 0;
    else if (e.key === "End") to = this.cells.length - 1;
    else if (step[e.key]) {
      const here = placeTile(from);
      const [dr, dc] = step[e.key];
      const found = this.cells.findIndex((_c, i) => {
        const p = placeTile(i);
        return p.row === here.row + dr && p.col === here.col + dc;
      });
      to = found >= 0 ? found : from;
    }
    if (to === null) return;
    e.preventDefault();
    this.activate(to);
    this.cells[to].focus();
  }

  private activate(index: number) {
    this.cells[this.active]?.setAttribute("tabindex", "-1");
    this.active = index;
    this.cells[index]?.setAttribute("tabindex", "0");
  }

  /** Owners and tokens from the synchronized state. */
  update(view: BoardPlayers) {
    this.last = view;
    const bySession = new Map(view.players.map((p) => [p.id, p]));
    this.tiles.forEach((tile, i) => {
      const cell = this.cells[i];
      const owner = bySession.get(view.owners[i] ?? "");
      if (owner) {
        cell.classList.add("owned");
        cell.style.setProperty("--owner", seatColor(owner.seat));
        cell.dataset.owner = owner.id;
      } else if (cell.dataset.owner) {
        cell.classList.remove("owned");
        cell.style.removeProperty("--owner");
        delete cell.dataset.owner;
      }
      const here = view.players
        .filter((p) => p.position === i && !p.bankrupt)
        .sort((a, b) => a.seat - b.seat);
      const spoken = [this.label(tile), owner ? `owned by ${owner.name}` : "", here.length ? `${here.map((p) => p.name).join(" and ")} here` : ""]
        .filter(Boolean)
        .join(", ");
      if (this.spoken[i].textContent !== spoken) this.spoken[i].textContent = spoken;
      const key = here.map((p) => `${p.id}:${p.inJail}:${p.id === view.currentTurn}`).join(",");
      const slot = this.tokenSlots[i];
      if (slot.dataset.key === key) return;
      slot.dataset.key = key;
      slot.replaceChildren(...here.map((p) => token(p, p.id === view.currentTurn)));
      if (here.length > 0) cell.classList.add("occupied");
      else cell.classList.remove("occupied");
    });
  }

  private renderTile(tile: Tile): HTMLElement {
    const { row, col, side } = placeTile(tile.index);
    const icon = tileIcon(tile.kind, tile.name);
    const price = tile.price !== undefined ? money(tile.price) : tile.amount !== undefined ? `Pay ${money(tile.amount)}` : "";
    // the tokens are told in the tile's spoken name (and the players list), not read out one letter each
    const slot = h("div", { class: "tokens", "aria-hidden": "true" });
    this.tokenSlots[tile.index] = slot;
    const spoken = h("span", { class: "sr-only" }, this.label(tile));
    this.spoken[tile.index] = spoken;
    const cell = h(
      "button",
      {
        class: `tile tile-${tile.kind} side-${side}`,
        style: `grid-row:${row};grid-column:${col}`,
        title: tile.name,
        tabindex: tile.index === this.active ? 0 : -1,
        "data-testid": `tile-${tile.index}`,
        "data-index": tile.index,
        onclick: () => this.showInfo(tile),
        onfocus: () => this.activate(tile.index),
      },
      spoken,
      tile.group ? h("span", { class: "band", style: `--band:${GROUP_COLORS[tile.group] ?? "#999"}` }) : null,
      h(
        "span",
        { class: "tile-body", "aria-hidden": "true" },
        icon ? svg(icon, "tile-icon") : null,
        h("span", { class: "tile-name" }, side === "corner" ? cornerName(tile) : shortName(tile)),
        price ? h("span", { class: "tile-price" }, price) : null,
      ),
      h("span", { class: "owner-mark" }),
      slot,
    );
    return cell;
  }

  /** A tile's full name and price, as read out. */
  private label(tile: Tile): string {
    const price = tile.price !== undefined ? money(tile.price) : tile.amount !== undefined ? `pay ${money(tile.amount)}` : "";
    return `${tile.name}${price ? `, ${price}` : ""}`;
  }

  private showInfo(tile: Tile) {
    const bySession = new Map(this.last.players.map((p) => [p.id, p]));
    const owner = bySession.get(this.last.owners[tile.index] ?? "");
    const here = this.last.players.filter((p) => p.position === tile.index && !p.bankrupt);
    const rows: Array<[string, string]> = [["Kind", KIND_LABEL[tile.kind] ?? tile.kind]];
    if (tile.price !== undefined) rows.push(["Price", money(tile.price)]);
    if (tile.rent !== undefined) rows.push(["Rent", money(tile.rent)]);
    if (tile.kind === "railroad") rows.push(["Rent", "$25 / $50 / $100 / $200 by railroads owned"]);
    if (tile.kind === "utility") rows.push(["Rent", "4× or 10× the dice by utilities owned"]);
    if (tile.amount !== undefined) rows.push(["Pay", money(tile.amount)]);
    if (tile.price !== undefined) rows.push(["Owner", owner ? owner.name : "The bank"]);
    if (here.length) rows.push(["Here", here.map((p) => p.name).join(", ")]);
    this.dialog.replaceChildren(
      h(
        "form",
        { method: "dialog", class: "tile-card" },
        tile.group ? h("div", { class: "tile-card-band", style: `background:${GROUP_COLORS[tile.group]}` }) : null,
        h("h3", null, tile.name),
        h("dl", null, rows.flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v)])),
        h("button", { class: "btn", value: "close", "data-testid": "tile-dialog-close" }, "Close"),
      ),
    );
    this.dialog.showModal();
  }
}

function cornerName(tile: Tile): string {
  switch (tile.kind) {
    case "go":
      return "GO";
    case "jail":
      return "Jail";
    case "free_parking":
      return "Free Parking";
    case "go_to_jail":
      return "Go to Jail";
    default:
      return tile.name;
  }
}

export function token(p: Player, onTurn = false): HTMLElement {
  return h(
    "span",
    {
      class: `token${onTurn ? " on-turn" : ""}${p.inJail ? " jailed" : ""}`,
      style: seatStyle(p.seat),
      title: p.name,
      "data-testid": "token",
      "data-player": p.id,
    },
    initial(p.name),
  );
}
