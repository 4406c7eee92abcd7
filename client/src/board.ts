/**
 * The 40-tile board as an 11x11 CSS grid (Go bottom-right, play running clockwise as on the classic
 * board), with ownership marks and player tokens. The centre cell is left for the game view to fill.
 */
import type { Player } from "../../src/schema/GameState.ts";
import type { Tile } from "./api.ts";
import { h, svg } from "./dom.ts";
import { GROUP_COLORS, initial, money, seatColor, shortName } from "./format.ts";
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
  private readonly dialog: HTMLDialogElement;
  private last: BoardPlayers = { players: [], owners: [], currentTurn: "" };

  constructor(private readonly tiles: Tile[]) {
    this.center = h("div", { class: "board-center" });
    this.dialog = h("dialog", { class: "tile-dialog", "data-testid": "tile-dialog" });
    this.dialog.addEventListener("click", (e) => {
      if (e.target === this.dialog) this.dialog.close();
    });
    this.el = h("div", { class: "board", "data-testid": "board" }, this.center, this.dialog);
    for (const tile of tiles) {
      const cell = this.renderTile(tile);
      this.cells[tile.index] = cell;
      this.el.append(cell);
    }
  }

  /** Owners and tokens from the synchronized state. */
  update(view: BoardPlayers) {
    this.last = view;
    const bySession = new Map(view.players.map((p) => [p.id, p]));
    this.tiles.forEach((_tile, i) => {
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
    const slot = h("div", { class: "tokens" });
    this.tokenSlots[tile.index] = slot;
    const cell = h(
      "button",
      {
        class: `tile tile-${tile.kind} side-${side}`,
        style: `grid-row:${row};grid-column:${col}`,
        title: tile.name,
        "aria-label": `${tile.name}${price ? `, ${price}` : ""}`,
        "data-testid": `tile-${tile.index}`,
        "data-index": tile.index,
        onclick: () => this.showInfo(tile),
      },
      tile.group ? h("span", { class: "band", style: `--band:${GROUP_COLORS[tile.group] ?? "#999"}` }) : null,
      h(
        "span",
        { class: "tile-body" },
        icon ? svg(icon, "tile-icon") : null,
        h("span", { class: "tile-name" }, side === "corner" ? cornerName(tile) : shortName(tile)),
        price ? h("span", { class: "tile-price" }, price) : null,
      ),
      h("span", { class: "owner-mark" }),
      slot,
    );
    return cell;
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
      style: `--seat:${seatColor(p.seat)}`,
      title: p.name,
      "data-testid": "token",
      "data-player": p.id,
    },
    initial(p.name),
  );
}
