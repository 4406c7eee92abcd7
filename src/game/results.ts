// The outcome of a finished game as plain facts: who placed where, with what. Match records and
// standings are built from it, so the ranking rule lives in the rules alone.
import { netWorth, ranking } from "./rules.ts";
import type { GameState } from "./types.ts";

export interface PlayerOutcome {
  id: string;
  name: string;
  seat: number;
  finalMoney: number;
  /** Money plus the purchase price of the properties still owned at the end. */
  netWorth: number;
  bankrupt: boolean;
  /** 1 = went bankrupt first; null when still standing. Later bankruptcy ranks higher. */
  bankruptOrder: number | null;
  /** 1 = winner. */
  rank: number;
}

export function outcomes(state: GameState): PlayerOutcome[] {
  const order = ranking(state);
  return state.players.map((p) => ({
    id: p.id,
    name: p.name,
    seat: p.seat,
    finalMoney: p.money,
    netWorth: netWorth(state, p.id),
    bankrupt: p.bankrupt,
    bankruptOrder: p.bankrupt ? state.bankruptOrder.indexOf(p.id) + 1 : null,
    rank: order.indexOf(p.id) + 1,
  }));
}
