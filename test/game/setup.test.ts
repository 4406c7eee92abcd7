import assert from "node:assert/strict";
import {
  BOARD,
  CHANCE_CARDS,
  CHEST_CARDS,
  autoAction,
  currentPlayerId,
  isOwnable,
  netWorth,
  newGame,
} from "../../src/game/index.ts";
import { rollDice, shuffle } from "../../src/game/rng.ts";
import { edit, roster, start } from "./helpers.ts";

describe("game setup", () => {
  it("a new game gives every player 1500 on Go and starts round 1 with the first player to roll", () => {
    const state = start(3, 42);
    assert.deepEqual(
      state.players.map((p) => [p.id, p.money, p.position, p.inJail, p.bankrupt]),
      [
        ["p1", 1500, 0, false, false],
        ["p2", 1500, 0, false, false],
        ["p3", 1500, 0, false, false],
      ],
    );
    assert.equal(state.current, 0);
    assert.equal(state.stage, "roll");
    assert.equal(state.round, 1);
    assert.equal(state.maxRounds, 100);
    assert.equal(state.seed, 42);
    assert.equal(state.dice, null);
    assert.equal(state.finished, false);
    assert.equal(state.winner, null);
    assert.deepEqual(state.owners, new Array(40).fill(null));
    assert.equal(currentPlayerId(state), "p1");
  });

  it("a new game shuffles both decks into full permutations that depend on the seed", () => {
    const a = start(2, 1);
    assert.deepEqual([...a.chance.order].sort(), CHANCE_CARDS.map((_, i) => i));
    assert.deepEqual([...a.chest.order].sort(), CHEST_CARDS.map((_, i) => i));
    assert.deepEqual(start(2, 1), a);
    const orders = new Set(Array.from({ length: 10 }, (_, seed) => start(2, seed).chance.order.join()));
    assert.ok(orders.size > 1, "every seed dealt the same chance deck");
  });

  it("a new game keeps a custom round limit and is plain JSON", () => {
    const state = start(5, 7, 30);
    assert.equal(state.maxRounds, 30);
    assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  });

  it("a new game refuses fewer than 2 or more than 5 players, and duplicate ids", () => {
    assert.throws(() => newGame(roster(1), { seed: 1 }), RangeError);
    assert.throws(() => newGame(roster(6), { seed: 1 }), RangeError);
    const twins = [
      { id: "x", name: "A", seat: 0 },
      { id: "x", name: "B", seat: 1 },
    ];
    assert.throws(() => newGame(twins, { seed: 1 }), RangeError);
  });

  it("the board has the classic 40 tiles with classic prices and rents", () => {
    assert.equal(BOARD.length, 40);
    for (const [i, tile] of BOARD.entries()) assert.equal(tile.index, i);
    const at = (i: number) => BOARD[i];
    assert.deepEqual([at(1).name, at(1).price, at(1).rent, at(1).group], ["Mediterranean Avenue", 60, 2, "brown"]);
    assert.deepEqual([at(39).name, at(39).price, at(39).rent, at(39).group], ["Boardwalk", 400, 50, "darkblue"]);
    assert.deepEqual([at(4).kind, at(4).amount], ["tax", 200]);
    assert.deepEqual([at(38).kind, at(38).amount], ["tax", 100]);
    assert.deepEqual(
      [0, 10, 20, 30].map((i) => at(i).kind),
      ["go", "jail", "free_parking", "go_to_jail"],
    );
    assert.deepEqual(
      BOARD.filter((t) => t.kind === "railroad").map((t) => [t.index, t.price]),
      [
        [5, 200],
        [15, 200],
        [25, 200],
        [35, 200],
      ],
    );
    assert.deepEqual(
      BOARD.filter((t) => t.kind === "utility").map((t) => [t.index, t.price]),
      [
        [12, 150],
        [28, 150],
      ],
    );
    assert.deepEqual(BOARD.filter((t) => t.kind === "chance").map((t) => t.index), [7, 22, 36]);
    assert.deepEqual(BOARD.filter((t) => t.kind === "chest").map((t) => t.index), [2, 17, 33]);
    assert.equal(BOARD.filter(isOwnable).length, 28);
    const groupSizes: Record<string, number> = {};
    for (const t of BOARD) if (t.group) groupSizes[t.group] = (groupSizes[t.group] ?? 0) + 1;
    assert.deepEqual(groupSizes, {
      brown: 2,
      lightblue: 3,
      pink: 3,
      orange: 3,
      red: 3,
      yellow: 3,
      green: 3,
      darkblue: 2,
    });
  });

  it("each deck has eight cards covering moves, money and jail", () => {
    for (const deck of [CHANCE_CARDS, CHEST_CARDS]) {
      assert.equal(deck.length, 8);
      assert.equal(new Set(deck.map((c) => c.id)).size, 8);
    }
    const kinds = new Set([...CHANCE_CARDS, ...CHEST_CARDS].map((c) => c.effect.kind));
    assert.deepEqual([...kinds].sort(), ["advance_to", "collect", "go_to_jail", "move_back", "pay"]);
  });

  it("net worth is money plus the purchase price of owned tiles", () => {
    const state = edit(start(2), (s) => {
      s.players[0].money = 100;
      s.owners[39] = "p1";
      s.owners[5] = "p1";
    });
    assert.equal(netWorth(state, "p1"), 700);
    assert.equal(netWorth(state, "p2"), 1500);
    assert.equal(netWorth(state, "nobody"), 0);
  });

  it("autoAction rolls, passes and ends turns but never pays bail, and stops when the game is over", () => {
    const base = start(2);
    assert.deepEqual(autoAction(base), { type: "roll" });
    const jailed = edit(base, (s) => {
      s.players[0].inJail = true;
      s.players[0].position = 10;
    });
    assert.deepEqual(autoAction(jailed), { type: "roll" });
    assert.deepEqual(autoAction(edit(base, (s) => { s.stage = "decide"; })), { type: "pass" });
    assert.deepEqual(autoAction(edit(base, (s) => { s.stage = "end"; })), { type: "end_turn" });
    assert.equal(autoAction(edit(base, (s) => { s.finished = true; })), null);
  });
});

describe("seeded randomness", () => {
  it("dice are two values from 1 to 6 and the same rng state always rolls the same", () => {
    const seen = new Set<number>();
    let rng = 12345;
    for (let i = 0; i < 2000; i++) {
      const [dice, next] = rollDice(rng);
      assert.deepEqual(rollDice(rng), [dice, next]);
      for (const d of dice) {
        assert.ok(Number.isInteger(d) && d >= 1 && d <= 6);
        seen.add(d);
      }
      rng = next;
    }
    assert.equal(seen.size, 6);
  });

  it("shuffling returns a permutation and leaves its input alone", () => {
    const items = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8]);
    const [out] = shuffle(items, 99);
    assert.deepEqual([...out].sort(), [...items]);
    assert.notEqual(out, items);
  });
});
