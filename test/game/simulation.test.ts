import assert from "node:assert/strict";
import {
  BOARD,
  apply,
  autoAction,
  copyState,
  currentPlayerId,
  forfeit,
  isOwnable,
  newGame,
  type Action,
  type GameEvent,
  type GameState,
} from "../../src/game/index.ts";
import { deepFreeze, roster, totalMoney } from "./helpers.ts";

type Policy = (state: GameState) => Action | null;

/** Buys whatever it can afford, otherwise plays like the server's autopilot; drives rent and bankruptcy. */
const greedy: Policy = (state) => {
  if (state.stage === "decide") {
    const me = state.players[state.current];
    const price = BOARD[me.position].price ?? Infinity;
    return me.money >= price ? { type: "buy" } : { type: "pass" };
  }
  if (state.stage === "roll" && state.players[state.current].inJail && state.players[state.current].money > 500) {
    return { type: "pay_bail" };
  }
  return autoAction(state);
};

const MAX_ACTIONS = 20_000;

/** Money that entered (+) or left (-) the players as a group, according to the events. */
function bankFlow(events: GameEvent[]): number {
  let flow = 0;
  for (const e of events) {
    const amount = typeof e.amount === "number" ? e.amount : 0;
    if (e.type === "passed_go" || e.type === "money_collected") flow += amount;
    if (e.type === "tax_paid" || e.type === "money_paid") flow -= amount;
    if (e.type === "bought") flow -= e.price as number;
  }
  return flow;
}

function checkInvariants(state: GameState): void {
  const ids = new Set(state.players.map((p) => p.id));
  for (const p of state.players) {
    assert.ok(Number.isInteger(p.money) && p.money >= 0, `${p.id} has ${p.money}`);
    assert.ok(p.position >= 0 && p.position < 40);
    if (p.inJail) assert.equal(p.position, 10);
    if (p.bankrupt) assert.equal(p.money, 0);
  }
  state.owners.forEach((owner, tile) => {
    if (owner === null) return;
    assert.ok(isOwnable(BOARD[tile]), `unownable tile ${tile} has an owner`);
    assert.ok(ids.has(owner));
    assert.ok(!state.players.find((p) => p.id === owner)!.bankrupt, "a bankrupt player still owns a tile");
  });
  assert.ok(state.round >= 1 && state.round <= state.maxRounds);
  assert.ok(state.doublesInTurn >= 0 && state.doublesInTurn <= 3);
  if (!state.finished) assert.ok(!state.players[state.current].bankrupt, "a bankrupt player is on turn");
}

interface Played {
  final: GameState;
  log: { state: GameState; events: GameEvent[] }[];
}

/** Plays a game to the end with `policy`, checking every step; `freeze` also proves apply leaves its input alone. */
function playOut(players: number, seed: number, maxRounds: number, policy: Policy, freeze = false): Played {
  let state = newGame(roster(players), { seed, maxRounds });
  const log: Played["log"] = [];
  for (let step = 0; step < MAX_ACTIONS && !state.finished; step++) {
    const action = policy(state);
    assert.ok(action, "no action offered before the game finished");
    const input = freeze ? deepFreeze(state) : state;
    const snapshot = freeze ? JSON.stringify(input) : "";
    const result = apply(input, currentPlayerId(state)!, action);
    if (!result.ok) assert.fail(`seed ${seed}, step ${step}: ${action.type} refused: ${result.error.message}`);
    if (freeze) assert.equal(JSON.stringify(input), snapshot);
    assert.equal(totalMoney(result.state) - totalMoney(state), bankFlow(result.events), "money not accounted for");
    checkInvariants(result.state);
    log.push({ state: result.state, events: result.events });
    state = result.state;
  }
  assert.ok(state.finished, `seed ${seed}: game did not finish in ${MAX_ACTIONS} actions`);
  return { final: state, log };
}

function gameOver(played: Played): GameEvent {
  const last = played.log.at(-1)!.events.at(-1)!;
  assert.equal(last.type, "game_over");
  return last;
}

describe("whole games", () => {
  it("autoAction plays games for 2 to 5 players to the end without a refusal", () => {
    for (let players = 2; players <= 5; players++) {
      for (let seed = 1; seed <= 50; seed++) {
        const played = playOut(players, seed * 7919 + players, 30, autoAction);
        const over = gameOver(played);
        assert.equal(played.final.winner, over.winner);
        assert.equal((over.ranking as string[]).length, players);
      }
    }
  });

  it("players who buy drive games to both endings: bankruptcy of all but one, and the round limit", () => {
    const reasons = new Set<unknown>();
    for (let seed = 1; seed <= 40; seed++) {
      const players = 2 + (seed % 4);
      const played = playOut(players, seed, 60, greedy);
      const over = gameOver(played);
      reasons.add(over.reason);
      if (over.reason === "last_player_standing") {
        assert.equal(played.final.players.filter((p) => !p.bankrupt).length, 1);
        assert.equal(played.final.bankruptOrder.length, players - 1);
      }
    }
    assert.deepEqual([...reasons].sort(), ["last_player_standing", "round_limit"]);
  });

  it("the same seed and the same actions replay to identical states and events", () => {
    for (const seed of [3, 1234, 987654321]) {
      const first = playOut(4, seed, 40, greedy);
      const second = playOut(4, seed, 40, greedy);
      assert.deepEqual(second.log, first.log);
      assert.deepEqual(second.final, first.final);
    }
  });

  it("different seeds deal different dice", () => {
    const diceOf = (seed: number) =>
      playOut(2, seed, 3, autoAction)
        .log.flatMap((entry) => entry.events)
        .filter((e) => e.type === "dice_rolled")
        .map((e) => (e.dice as number[]).join(""))
        .join();
    assert.notEqual(diceOf(1), diceOf(2));
  });

  it("apply never mutates its input, whatever the action or outcome", () => {
    for (let seed = 1; seed <= 5; seed++) {
      playOut(3, seed, 20, greedy, true);
    }
    const frozen = deepFreeze(newGame(roster(3), { seed: 9 }));
    const snapshot = JSON.stringify(frozen);
    apply(frozen, "p2", { type: "roll" });
    apply(frozen, "p1", { type: "buy" });
    apply(frozen, "p1", { type: "pay_bail" });
    forfeit(frozen, "p1");
    forfeit(frozen, "p2");
    assert.equal(JSON.stringify(frozen), snapshot);
  });

  it("copyState gives an equal state that shares no object or array with the original, at every step of whole games", () => {
    const shared = (a: unknown, b: unknown, path: string): string[] => {
      if (typeof a !== "object" || a === null) return [];
      if (a === b) return [path];
      return Object.keys(a).flatMap((k) => shared((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
    };
    for (const [players, seed] of [[2, 3], [5, 11]] as const) {
      for (const { state } of playOut(players, seed, 10, greedy).log) {
        const copy = copyState(state);
        assert.deepEqual(copy, state);
        assert.deepEqual(shared(copy, state, "state"), []);
      }
    }
  });

  it("every state in a game survives a JSON round trip unchanged", () => {
    const played = playOut(5, 77, 15, greedy);
    for (const { state, events } of played.log) {
      assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
      assert.deepEqual(JSON.parse(JSON.stringify(events)), events);
    }
  });
});
