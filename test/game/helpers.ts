// Scenario builders for the rules specs: fresh games, hand-placed states, rigged dice and
// stacked decks. Behaviour under test always goes through apply(); only setup is done by hand.

import assert from "node:assert/strict";
import {
  apply,
  CHANCE_CARDS,
  CHEST_CARDS,
  newGame,
  type Action,
  type ApplyResult,
  type Deck,
  type GameEvent,
  type GameState,
} from "../../src/game/index.ts";
import { rollDice } from "../../src/game/rng.ts";

export function roster(count: number): { id: string; name: string; seat: number }[] {
  return Array.from({ length: count }, (_, i) => ({ id: `p${i + 1}`, name: `Player ${i + 1}`, seat: i }));
}

export function start(count = 2, seed = 1, maxRounds?: number): GameState {
  return newGame(roster(count), { seed, maxRounds });
}

/** A copy of `state` changed by `change`; the way scenarios are set up without playing to them. */
export function edit(state: GameState, change: (draft: GameState) => void): GameState {
  const draft = structuredClone(state);
  change(draft);
  return draft;
}

const rngByDice = new Map<string, number>();

/** An rng state whose next roll is exactly (a, b). */
export function rngFor(a: number, b: number): number {
  const key = `${a},${b}`;
  const known = rngByDice.get(key);
  if (known !== undefined) return known;
  for (let candidate = 0; candidate < 100_000; candidate++) {
    const [dice] = rollDice(candidate);
    if (dice[0] === a && dice[1] === b) {
      rngByDice.set(key, candidate);
      return candidate;
    }
  }
  throw new Error(`no rng state rolls ${key}`);
}

export function withDice(state: GameState, a: number, b: number): GameState {
  return edit(state, (s) => {
    s.rng = rngFor(a, b);
  });
}

/** Puts the chosen card on top of the deck. */
export function stackDeck(state: GameState, deck: Deck, cardId: string): GameState {
  const cards = deck === "chance" ? CHANCE_CARDS : CHEST_CARDS;
  const index = cards.findIndex((c) => c.id === cardId);
  assert.ok(index >= 0, `unknown card ${cardId}`);
  return edit(state, (s) => {
    s[deck] = { order: [index, ...s[deck].order.filter((i) => i !== index)], next: 0 };
  });
}

export function player(state: GameState, id: string) {
  const found = state.players.find((p) => p.id === id);
  assert.ok(found, `no player ${id}`);
  return found;
}

/** Applies an action that must succeed. */
export function play(state: GameState, playerId: string, action: Action): { state: GameState; events: GameEvent[] } {
  const result = apply(state, playerId, action);
  if (!result.ok) assert.fail(`${action.type} by ${playerId} refused: ${result.error.code} ${result.error.message}`);
  return { state: result.state, events: result.events };
}

/** The current player rolls (a, b). */
export function rollWith(state: GameState, a: number, b: number): { state: GameState; events: GameEvent[] } {
  const s = withDice(state, a, b);
  return play(s, s.players[s.current].id, { type: "roll" });
}

export function eventTypes(events: GameEvent[]): string[] {
  return events.map((e) => e.type);
}

export function findEvent(events: GameEvent[], type: string): GameEvent {
  const found = events.find((e) => e.type === type);
  assert.ok(found, `no ${type} event in ${eventTypes(events).join(", ")}`);
  return found;
}

export function expectRefusal(result: ApplyResult, code: string): void {
  assert.equal(result.ok, false, `expected ${code}, got success`);
  if (!result.ok) assert.equal(result.error.code, code);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export function totalMoney(state: GameState): number {
  return state.players.reduce((sum, p) => sum + p.money, 0);
}
