import assert from "node:assert/strict";
import { edit, eventTypes, findEvent, play, rollWith, start } from "./helpers.ts";

const at = (position: number, players = 2) =>
  edit(start(players), (s) => {
    s.players[0].position = position;
  });

describe("movement", () => {
  it("rolling moves the player by the dice total and reports the roll and the move", () => {
    const { state, events } = rollWith(at(15), 2, 3);
    assert.equal(state.players[0].position, 20);
    assert.deepEqual(state.dice, [2, 3]);
    assert.deepEqual(events, [
      { type: "dice_rolled", player: "p1", dice: [2, 3], doubles: false },
      { type: "moved", player: "p1", from: 15, to: 20, passedGo: false },
    ]);
    assert.equal(state.stage, "end");
    assert.equal(state.players[0].money, 1500);
  });

  it("passing Go collects 200", () => {
    const { state, events } = rollWith(at(38), 2, 3);
    assert.equal(state.players[0].position, 3);
    assert.equal(findEvent(events, "moved").passedGo, true);
    assert.deepEqual(findEvent(events, "passed_go"), { type: "passed_go", player: "p1", amount: 200 });
    assert.equal(state.players[0].money, 1700);
  });

  it("landing exactly on Go collects 200 once", () => {
    const { state, events } = rollWith(at(35), 2, 3);
    assert.equal(state.players[0].position, 0);
    assert.equal(state.players[0].money, 1700);
    assert.equal(events.filter((e) => e.type === "passed_go").length, 1);
    assert.equal(state.stage, "end");
  });

  it("a move that does not reach Go collects nothing", () => {
    const { state, events } = rollWith(at(30), 4, 5);
    assert.equal(state.players[0].position, 39);
    assert.ok(!eventTypes(events).includes("passed_go"));
  });

  it("landing on Free Parking or Just Visiting does nothing", () => {
    const parking = rollWith(at(15), 2, 3);
    const visiting = rollWith(at(5), 2, 3);
    for (const { state } of [parking, visiting]) {
      assert.equal(state.players[0].money, 1500);
      assert.equal(state.players[0].inJail, false);
      assert.equal(state.stage, "end");
    }
    assert.equal(visiting.state.players[0].position, 10);
  });

  it("ending the turn passes it to the next player with a fresh stage and keeps the dice", () => {
    const rolled = rollWith(at(15), 2, 3).state;
    const { state, events } = play(rolled, "p1", { type: "end_turn" });
    assert.equal(state.current, 1);
    assert.equal(state.stage, "roll");
    assert.equal(state.doublesInTurn, 0);
    assert.deepEqual(state.dice, [2, 3]);
    assert.deepEqual(events, [{ type: "turn_started", player: "p2", round: 1 }]);
  });
});

describe("doubles", () => {
  it("doubles give the same player another roll once the landing is resolved", () => {
    const { state } = rollWith(at(16), 2, 2);
    assert.equal(state.players[0].position, 20);
    assert.equal(state.current, 0);
    assert.equal(state.stage, "roll");
    assert.equal(state.doublesInTurn, 1);
    const second = rollWith(state, 1, 2).state;
    assert.equal(second.players[0].position, 23);
    assert.equal(second.stage, "decide");
    assert.equal(play(second, "p1", { type: "pass" }).state.stage, "end");
  });

  it("buying or passing after doubles returns to the roll stage", () => {
    const rolled = rollWith(at(0), 3, 3).state;
    assert.equal(rolled.stage, "decide");
    assert.equal(play(rolled, "p1", { type: "buy" }).state.stage, "roll");
    assert.equal(play(rolled, "p1", { type: "pass" }).state.stage, "roll");
  });

  it("a third double in one turn sends the player straight to jail without moving and ends the turn", () => {
    let state = at(10);
    state = rollWith(state, 5, 5).state;
    assert.equal(state.players[0].position, 20);
    state = rollWith(state, 6, 6).state;
    assert.equal(state.players[0].position, 32);
    state = play(state, "p1", { type: "pass" }).state;
    assert.equal(state.stage, "roll");
    assert.equal(state.doublesInTurn, 2);

    const third = rollWith(state, 4, 4);
    assert.deepEqual(eventTypes(third.events), ["dice_rolled", "jailed"]);
    assert.deepEqual(findEvent(third.events, "jailed"), { type: "jailed", player: "p1", reason: "three_doubles" });
    const p1 = third.state.players[0];
    assert.equal(p1.position, 10);
    assert.equal(p1.inJail, true);
    assert.equal(p1.money, 1500);
    assert.equal(third.state.stage, "end");
    assert.equal(play(third.state, "p1", { type: "end_turn" }).state.current, 1);
  });

  it("doubles that land on Go To Jail end the turn instead of rolling again", () => {
    const { state } = rollWith(at(26), 2, 2);
    assert.equal(state.players[0].inJail, true);
    assert.equal(state.stage, "end");
  });
});

describe("rounds", () => {
  it("the round goes up when the turn wraps from the last player back to the first", () => {
    let state = edit(start(3), (s) => {
      s.current = 1;
      s.stage = "end";
    });
    const second = play(state, "p2", { type: "end_turn" });
    assert.equal(second.state.round, 1);
    state = edit(second.state, (s) => { s.stage = "end"; });
    const wrapped = play(state, "p3", { type: "end_turn" });
    assert.equal(wrapped.state.current, 0);
    assert.equal(wrapped.state.round, 2);
    assert.deepEqual(wrapped.events, [{ type: "turn_started", player: "p1", round: 2 }]);
  });

  it("bankrupt players are skipped, and wrapping past them still counts as a new round", () => {
    const state = edit(start(3), (s) => {
      s.players[0].bankrupt = true;
      s.bankruptOrder = ["p1"];
      s.current = 2;
      s.stage = "end";
    });
    const { state: next } = play(state, "p3", { type: "end_turn" });
    assert.equal(next.current, 1);
    assert.equal(next.round, 2);

    const middle = edit(start(3), (s) => {
      s.players[1].bankrupt = true;
      s.bankruptOrder = ["p2"];
      s.stage = "end";
    });
    const skipped = play(middle, "p1", { type: "end_turn" }).state;
    assert.equal(skipped.current, 2);
    assert.equal(skipped.round, 1);
  });
});
