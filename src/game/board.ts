// The 40-tile board in the classic layout, and the rent each ownable tile charges.
// Rent lives here because it is a property of the board's tables plus who owns what.

import type { ColorGroup, Tile } from "./types.ts";

export const TILE_COUNT = 40;
export const GO_TILE = 0;
export const JAIL_TILE = 10;
export const GO_SALARY = 200;
export const RAILROAD_PRICE = 200;
export const UTILITY_PRICE = 150;
/** Indexed by how many railroads the owner holds, minus one. */
export const RAILROAD_RENTS: readonly number[] = [25, 50, 100, 200];
/** Dice total multiplier, indexed by how many utilities the owner holds, minus one. */
export const UTILITY_MULTIPLIERS: readonly number[] = [4, 10];

type TileSpec = Omit<Tile, "index">;

const street = (name: string, group: ColorGroup, price: number, rent: number): TileSpec => ({
  name,
  kind: "street",
  group,
  price,
  rent,
});
const railroad = (name: string): TileSpec => ({ name, kind: "railroad", price: RAILROAD_PRICE });
const utility = (name: string): TileSpec => ({ name, kind: "utility", price: UTILITY_PRICE });
const tax = (name: string, amount: number): TileSpec => ({ name, kind: "tax", amount });
const chance: TileSpec = { name: "Chance", kind: "chance" };
const chest: TileSpec = { name: "Community Chest", kind: "chest" };

const LAYOUT: TileSpec[] = [
  { name: "Go", kind: "go" },
  street("Mediterranean Avenue", "brown", 60, 2),
  chest,
  street("Baltic Avenue", "brown", 60, 4),
  tax("Income Tax", 200),
  railroad("Reading Railroad"),
  street("Oriental Avenue", "lightblue", 100, 6),
  chance,
  street("Vermont Avenue", "lightblue", 100, 6),
  street("Connecticut Avenue", "lightblue", 120, 8),
  { name: "Jail / Just Visiting", kind: "jail" },
  street("St. Charles Place", "pink", 140, 10),
  utility("Electric Company"),
  street("States Avenue", "pink", 140, 10),
  street("Virginia Avenue", "pink", 160, 12),
  railroad("Pennsylvania Railroad"),
  street("St. James Place", "orange", 180, 14),
  chest,
  street("Tennessee Avenue", "orange", 180, 14),
  street("New York Avenue", "orange", 200, 16),
  { name: "Free Parking", kind: "free_parking" },
  street("Kentucky Avenue", "red", 220, 18),
  chance,
  street("Indiana Avenue", "red", 220, 18),
  street("Illinois Avenue", "red", 240, 20),
  railroad("B. & O. Railroad"),
  street("Atlantic Avenue", "yellow", 260, 22),
  street("Ventnor Avenue", "yellow", 260, 22),
  utility("Water Works"),
  street("Marvin Gardens", "yellow", 280, 24),
  { name: "Go To Jail", kind: "go_to_jail" },
  street("Pacific Avenue", "green", 300, 26),
  street("North Carolina Avenue", "green", 300, 26),
  chest,
  street("Pennsylvania Avenue", "green", 320, 28),
  railroad("Short Line"),
  chance,
  street("Park Place", "darkblue", 350, 35),
  tax("Luxury Tax", 100),
  street("Boardwalk", "darkblue", 400, 50),
];

export const BOARD: readonly Tile[] = Object.freeze(
  LAYOUT.map((spec, index) => Object.freeze({ index, ...spec })),
);

export function isOwnable(tile: Tile): boolean {
  return tile.kind === "street" || tile.kind === "railroad" || tile.kind === "utility";
}

function countOwned(owners: readonly (string | null)[], owner: string, matches: (tile: Tile) => boolean): number {
  return BOARD.filter((tile) => matches(tile) && owners[tile.index] === owner).length;
}

/**
 * What landing on `tileIndex` costs a visitor, given the current owners and the dice total
 * that brought them there. Zero for unowned or unownable tiles.
 */
export function rentDue(owners: readonly (string | null)[], tileIndex: number, diceTotal: number): number {
  const tile = BOARD[tileIndex];
  const owner = owners[tileIndex];
  if (!tile || !owner || !isOwnable(tile)) return 0;
  switch (tile.kind) {
    case "street": {
      const groupSize = BOARD.filter((t) => t.group === tile.group).length;
      const held = countOwned(owners, owner, (t) => t.group === tile.group);
      const base = tile.rent ?? 0;
      return held === groupSize ? base * 2 : base;
    }
    case "railroad": {
      const held = countOwned(owners, owner, (t) => t.kind === "railroad");
      return RAILROAD_RENTS[held - 1];
    }
    case "utility": {
      const held = countOwned(owners, owner, (t) => t.kind === "utility");
      return diceTotal * UTILITY_MULTIPLIERS[held - 1];
    }
    default:
      return 0;
  }
}
