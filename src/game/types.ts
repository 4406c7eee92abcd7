// The data the rules speak: game state, actions, events and typed errors.
// Everything here is plain JSON so a room can store, send and replay it unchanged.

export type Stage = "roll" | "decide" | "end";

export type TileKind =
  | "go"
  | "street"
  | "railroad"
  | "utility"
  | "tax"
  | "chance"
  | "chest"
  | "jail"
  | "free_parking"
  | "go_to_jail";

export type ColorGroup =
  | "brown"
  | "lightblue"
  | "pink"
  | "orange"
  | "red"
  | "yellow"
  | "green"
  | "darkblue";

export interface Tile {
  index: number;
  name: string;
  kind: TileKind;
  /** Purchase price; streets, railroads and utilities only. */
  price?: number;
  /** Base rent; streets only (railroad and utility rent depends on how many the owner holds). */
  rent?: number;
  group?: ColorGroup;
  /** What a tax tile charges. */
  amount?: number;
}

export type Deck = "chance" | "chest";

export interface PlayerState {
  id: string;
  name: string;
  seat: number;
  money: number;
  position: number;
  inJail: boolean;
  /** Failed attempts to roll doubles during the current stay in jail. */
  jailTurns: number;
  bankrupt: boolean;
}

export interface DeckState {
  /** Card indices into the deck's card list, shuffled once at the start. */
  order: number[];
  /** Position in `order` of the next card to draw; cards cycle back to the bottom. */
  next: number;
}

export interface GameState {
  /** In turn order. */
  players: PlayerState[];
  /** Index into `players` of the player on turn. */
  current: number;
  stage: Stage;
  /** The last roll, kept across turns so clients can keep showing it. */
  dice: [number, number] | null;
  /** Doubles that count towards the three-doubles rule; leaving jail on doubles does not count. */
  doublesInTurn: number;
  round: number;
  maxRounds: number;
  /** Owner player id per tile (length 40); null when unowned or not ownable. */
  owners: (string | null)[];
  /** mulberry32 state; every random draw goes through it so `apply` stays pure. */
  rng: number;
  chance: DeckState;
  chest: DeckState;
  finished: boolean;
  winner: string | null;
  /** The seed the game started from, kept with the match so it can be replayed. */
  seed: number;
  /** Player ids in the order they went bankrupt (or forfeited); ranking reads it backwards. */
  bankruptOrder: string[];
}

export type Action =
  | { type: "roll" }
  | { type: "buy" }
  | { type: "pass" }
  | { type: "end_turn" }
  | { type: "pay_bail" };

export type GameErrorCode =
  | "NOT_YOUR_TURN"
  | "WRONG_STAGE"
  | "INSUFFICIENT_FUNDS"
  | "NOT_IN_JAIL"
  | "GAME_OVER"
  | "UNKNOWN_PLAYER"
  | "NOT_PURCHASABLE";

export interface GameError {
  code: GameErrorCode;
  /** A human sentence, safe to show to the player. */
  message: string;
}

export type JailReason = "go_to_jail_tile" | "card" | "three_doubles";

/** Payload of each event by type; `GameEvent` is the loose shape rooms forward as-is. */
export interface GameEventMap {
  dice_rolled: { player: string; dice: [number, number]; doubles: boolean };
  moved: { player: string; from: number; to: number; passedGo: boolean };
  passed_go: { player: string; amount: number };
  bought: { player: string; tile: number; price: number };
  passed: { player: string; tile: number };
  /** `amount` is what actually changed hands; less than due only when a bankrupt event follows. */
  rent_paid: { player: string; owner: string; tile: number; amount: number };
  tax_paid: { player: string; tile: number; amount: number };
  /** `card` is the card's stable id (see cards.ts). */
  card_drawn: { player: string; deck: Deck; card: string; text: string };
  money_collected: { player: string; amount: number; reason: "card" };
  money_paid: { player: string; amount: number; reason: "card" | "bail" };
  jailed: { player: string; reason: JailReason };
  left_jail: { player: string; how: "doubles" | "bail" | "forced" };
  bankrupt: { player: string; creditor: string | null; reason: "debt" | "forfeit" };
  turn_started: { player: string; round: number };
  game_over: {
    /** Null only if nobody is left standing, which the rules never produce. */
    winner: string | null;
    reason: "last_player_standing" | "round_limit";
    ranking: string[];
  };
}

export type GameEventType = keyof GameEventMap;

export type GameEvent = { type: string; [k: string]: unknown };

export type ApplyResult =
  | { ok: true; state: GameState; events: GameEvent[] }
  | { ok: false; error: GameError };
