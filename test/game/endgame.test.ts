import assert from "node:assert/strict";
import { apply, forfeit, newGame, ranking, type GameState } from "../../src/game/index.ts";
import { edit, eventTypes, expectRefusal, findEvent, play, rollWith, start } from "./helpers.ts";

/** p1 on Go about to roll 1+2 onto Baltic Avenue (rent 4) or 1+3 onto Income Tax (200). */
const broke = (money: number, players: number, change: (s: GameState) => void = () => {}) =>
  edit(start(players), (s) => {
    s.players[0].money = money;
    change(s);
  });

describe("bankruptcy", () => {
  it("a player who cannot pay rent hands everything to the owner, goes bankrupt and the turn passes", () => {
    const { state, events } = rollWith(
      broke(3, 3, (s) => {
        s.owners[3] = "p2";
        s.owners[1] = "p1";
        s.owners[39] = "p1";
      }),
      1,
      2,
    );
    assert.deepEqual(eventTypes(events), ["dice_rolled", "moved", "rent_paid", "bankrupt", "turn_started"]);
    assert.equal(findEvent(events, "rent_paid").amount, 3);
    assert.deepEqual(findEvent(events, "bankrupt"), {
      type: "bankrupt",
      player: "p1",
      creditor: "p2",
      reason: "debt",
    });
    assert.equal(state.players[0].bankrupt, true);
    assert.equal(state.players[0].money, 0);
    assert.equal(state.players[1].money, 1503);
    assert.equal(state.owners[1], null);
    assert.equal(state.owners[39], null);
    assert.equal(state.owners[3], "p2");
    assert.deepEqual(state.bankruptOrder, ["p1"]);
    assert.equal(state.current, 1);
    assert.equal(state.stage, "roll");
    assert.equal(state.finished, false);
  });

  it("a player who cannot pay a tax goes bankrupt to the bank and their properties return to it", () => {
    const { state, events } = rollWith(
      broke(150, 3, (s) => {
        s.owners[1] = "p1";
        s.owners[3] = "p1";
      }),
      1,
      3,
    );
    assert.equal(findEvent(events, "tax_paid").amount, 150);
    assert.equal(findEvent(events, "bankrupt").creditor, null);
    assert.equal(state.players[0].money, 0);
    assert.equal(state.players[1].money + state.players[2].money, 3000);
    assert.deepEqual(state.owners, new Array(40).fill(null));
  });

  it("paying exactly everything one has is not bankruptcy", () => {
    const { state } = rollWith(broke(200, 2), 1, 3);
    assert.equal(state.players[0].money, 0);
    assert.equal(state.players[0].bankrupt, false);
    assert.equal(state.stage, "end");
  });

  it("property of a bankrupt player can be bought again from the bank", () => {
    const fallen = rollWith(
      broke(3, 3, (s) => {
        s.owners[3] = "p2";
        s.owners[5] = "p1";
      }),
      1,
      2,
    ).state;
    const landed = rollWith(fallen, 2, 3).state;
    assert.equal(landed.players[1].position, 5);
    assert.equal(landed.stage, "decide");
    assert.equal(play(landed, "p2", { type: "buy" }).state.owners[5], "p2");
  });

  it("the last player standing wins and the game refuses further play", () => {
    const { state, events } = rollWith(broke(3, 2, (s) => { s.owners[3] = "p2"; }), 1, 2);
    assert.deepEqual(eventTypes(events).slice(-2), ["bankrupt", "game_over"]);
    assert.deepEqual(findEvent(events, "game_over"), {
      type: "game_over",
      winner: "p2",
      reason: "last_player_standing",
      ranking: ["p2", "p1"],
    });
    assert.equal(state.finished, true);
    assert.equal(state.winner, "p2");
    expectRefusal(apply(state, "p2", { type: "roll" }), "GAME_OVER");
  });
});

describe("round limit", () => {
  const lastTurnOfRound = (maxRounds: number, round: number) =>
    edit(start(3, 1, maxRounds), (s) => {
      s.round = round;
      s.current = 2;
      s.stage = "end";
    });

  it("the game carries on into the next round while the limit is not reached", () => {
    const { state, events } = play(lastTurnOfRound(2, 1), "p3", { type: "end_turn" });
    assert.equal(state.finished, false);
    assert.equal(state.round, 2);
    assert.deepEqual(events, [{ type: "turn_started", player: "p1", round: 2 }]);
  });

  it("completing the last round ends the game and the richest by money plus property prices wins", () => {
    const before = edit(lastTurnOfRound(2, 2), (s) => {
      s.players[0].money = 1000;
      s.owners[39] = "p1"; // 1000 + 400 = 1400
      s.players[1].money = 1300;
      s.owners[5] = "p2"; // 1300 + 200 = 1500
      s.players[2].money = 1450;
    });
    const { state, events } = play(before, "p3", { type: "end_turn" });
    assert.deepEqual(events, [
      { type: "game_over", winner: "p2", reason: "round_limit", ranking: ["p2", "p3", "p1"] },
    ]);
    assert.equal(state.finished, true);
    assert.equal(state.winner, "p2");
    assert.equal(state.round, 2);
  });

  it("a tie at the round limit goes to the lower seat, whatever the turn order", () => {
    const state = edit(
      newGame(
        [
          { id: "late", name: "Late", seat: 3 },
          { id: "early", name: "Early", seat: 1 },
        ],
        { seed: 5, maxRounds: 1 },
      ),
      (s) => {
        s.current = 1;
        s.stage = "end";
      },
    );
    const { state: over } = play(state, "early", { type: "end_turn" });
    assert.equal(over.winner, "early");
    assert.deepEqual(ranking(over), ["early", "late"]);
  });
});

describe("ranking and forfeit", () => {
  it("ranking lists players still in by net worth, then the bankrupt with the last to fall first", () => {
    let state = edit(start(4), (s) => {
      s.players[0].money = 100;
      s.players[2].money = 2000;
    });
    state = (forfeit(state, "p4") as { state: GameState }).state;
    state = (forfeit(state, "p2") as { state: GameState }).state;
    assert.deepEqual(state.bankruptOrder, ["p4", "p2"]);
    assert.deepEqual(ranking(state), ["p3", "p1", "p2", "p4"]);
  });

  it("a player on turn who forfeits goes bankrupt to the bank and the turn passes", () => {
    const deciding = rollWith(edit(start(3), (s) => { s.owners[39] = "p1"; }), 1, 2).state;
    assert.equal(deciding.stage, "decide");
    const result = forfeit(deciding, "p1");
    assert.ok(result.ok);
    assert.deepEqual(result.events, [
      { type: "bankrupt", player: "p1", creditor: null, reason: "forfeit" },
      { type: "turn_started", player: "p2", round: 1 },
    ]);
    assert.equal(result.state.players[0].money, 0);
    assert.equal(result.state.owners[39], null);
    assert.equal(result.state.current, 1);
    assert.equal(result.state.stage, "roll");
  });

  it("a player off turn who forfeits leaves the turn where it was", () => {
    const deciding = rollWith(start(3), 1, 2).state;
    const result = forfeit(deciding, "p3");
    assert.ok(result.ok);
    assert.deepEqual(eventTypes(result.events), ["bankrupt"]);
    assert.equal(result.state.current, 0);
    assert.equal(result.state.stage, "decide");
  });

  it("the last player in turn order forfeiting on turn starts the next round", () => {
    const state = edit(start(3), (s) => { s.current = 2; });
    const result = forfeit(state, "p3");
    assert.ok(result.ok);
    assert.equal(result.state.current, 0);
    assert.equal(result.state.round, 2);
  });

  it("a forfeit that leaves one player ends the game in their favour", () => {
    const result = forfeit(start(2), "p1");
    assert.ok(result.ok);
    assert.deepEqual(result.events.at(-1), {
      type: "game_over",
      winner: "p2",
      reason: "last_player_standing",
      ranking: ["p2", "p1"],
    });
    assert.equal(result.state.finished, true);
  });

  it("forfeit refuses unknown players and finished games, and is a no-op for the already bankrupt", () => {
    expectRefusal(forfeit(start(2), "ghost"), "UNKNOWN_PLAYER");
    const over = (forfeit(start(2), "p1") as { state: GameState }).state;
    expectRefusal(forfeit(over, "p2"), "GAME_OVER");

    const fallen = (forfeit(start(3), "p2") as { state: GameState }).state;
    const again = forfeit(fallen, "p2");
    assert.ok(again.ok);
    assert.deepEqual(again.events, []);
    assert.deepEqual(again.state, fallen);
  });
});
