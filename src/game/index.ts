// The public face of the rules module: rooms and tests import from here only.

export * from "./types.ts";
export {
  BOARD,
  TILE_COUNT,
  GO_TILE,
  JAIL_TILE,
  GO_SALARY,
  RAILROAD_RENTS,
  UTILITY_MULTIPLIERS,
  isOwnable,
  rentDue,
} from "./board.ts";
export { CHANCE_CARDS, CHEST_CARDS, type Card, type CardEffect } from "./cards.ts";
export {
  newGame,
  apply,
  copyState,
  autoAction,
  forfeit,
  currentPlayerId,
  netWorth,
  ranking,
  MIN_PLAYERS,
  MAX_PLAYERS,
  STARTING_MONEY,
  BAIL,
  DEFAULT_MAX_ROUNDS,
} from "./rules.ts";
export { outcomes, type PlayerOutcome } from "./results.ts";
