// The Chance and Community Chest decks: fixed card lists whose order is shuffled once
// per game (see newGame); drawing cycles through that order.

export type CardEffect =
  | { kind: "advance_to"; tile: number }
  | { kind: "move_back"; steps: number }
  | { kind: "collect"; amount: number }
  | { kind: "pay"; amount: number }
  | { kind: "go_to_jail" };

export interface Card {
  /** Stable id, sent in card_drawn events; clients may key translations on it. */
  id: string;
  text: string;
  effect: CardEffect;
}

export const CHANCE_CARDS: readonly Card[] = Object.freeze([
  { id: "chance_advance_go", text: "Advance to Go. Collect 200.", effect: { kind: "advance_to", tile: 0 } },
  {
    id: "chance_advance_illinois",
    text: "Advance to Illinois Avenue. If you pass Go, collect 200.",
    effect: { kind: "advance_to", tile: 24 },
  },
  {
    id: "chance_advance_st_charles",
    text: "Advance to St. Charles Place. If you pass Go, collect 200.",
    effect: { kind: "advance_to", tile: 11 },
  },
  {
    id: "chance_advance_reading",
    text: "Take a trip to Reading Railroad. If you pass Go, collect 200.",
    effect: { kind: "advance_to", tile: 5 },
  },
  { id: "chance_back_three", text: "Go back three spaces.", effect: { kind: "move_back", steps: 3 } },
  {
    id: "chance_go_to_jail",
    text: "Go to Jail. Go directly to Jail, do not pass Go, do not collect 200.",
    effect: { kind: "go_to_jail" },
  },
  { id: "chance_dividend", text: "Bank pays you a dividend of 50.", effect: { kind: "collect", amount: 50 } },
  { id: "chance_speeding_fine", text: "Speeding fine. Pay 15.", effect: { kind: "pay", amount: 15 } },
]);

export const CHEST_CARDS: readonly Card[] = Object.freeze([
  { id: "chest_advance_go", text: "Advance to Go. Collect 200.", effect: { kind: "advance_to", tile: 0 } },
  {
    id: "chest_bank_error",
    text: "Bank error in your favour. Collect 200.",
    effect: { kind: "collect", amount: 200 },
  },
  { id: "chest_doctor_fee", text: "Doctor's fee. Pay 50.", effect: { kind: "pay", amount: 50 } },
  {
    id: "chest_go_to_jail",
    text: "Go to Jail. Go directly to Jail, do not pass Go, do not collect 200.",
    effect: { kind: "go_to_jail" },
  },
  { id: "chest_tax_refund", text: "Income tax refund. Collect 20.", effect: { kind: "collect", amount: 20 } },
  { id: "chest_hospital_fees", text: "Hospital fees. Pay 100.", effect: { kind: "pay", amount: 100 } },
  { id: "chest_inheritance", text: "You inherit 100.", effect: { kind: "collect", amount: 100 } },
  { id: "chest_school_fees", text: "School fees. Pay 50.", effect: { kind: "pay", amount: 50 } },
]);
