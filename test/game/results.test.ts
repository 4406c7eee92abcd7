import assert from "node:assert/strict";
import { apply, autoAction, currentPlayerId, netWorth, newGame, outcomes, ranking } from "../../src/game/index.ts";

describe("game outcomes", () => {
  it("give every player a distinct rank in the rules' ranking order, with money, net worth and bankruptcy", () => {
    let game = newGame(
      [
        { id: "a", name: "Ann", seat: 0 },
        { id: "b", name: "Bob", seat: 1 },
        { id: "c", name: "Cy", seat: 2 },
      ],
      { seed: 7, maxRounds: 20 },
    );
    for (let i = 0; i < 10_000 && !game.finished; i++) {
      const result = apply(game, currentPlayerId(game)!, autoAction(game)!);
      assert.ok(result.ok);
      game = result.state;
    }
    assert.ok(game.finished);
    const results = outcomes(game);
    assert.deepEqual(
      [...results].sort((x, y) => x.rank - y.rank).map((r) => r.id),
      ranking(game),
    );
    assert.equal(results.find((r) => r.rank === 1)!.id, game.winner);
    for (const r of results) {
      const p = game.players.find((q) => q.id === r.id)!;
      assert.equal(r.finalMoney, p.money);
      assert.equal(r.netWorth, netWorth(game, r.id));
      assert.equal(r.bankrupt, p.bankrupt);
      assert.equal(r.bankruptOrder, p.bankrupt ? game.bankruptOrder.indexOf(r.id) + 1 : null);
    }
  });
});
