import assert from "node:assert/strict";
import { apply, type GameState } from "../../src/game/index.ts";
import { edit, eventTypes, expectRefusal, findEvent, play, rollWith, start } from "./helpers.ts";

const jailed = (change: (s: GameState) => void = () => {}, players = 2) =>
  edit(start(players), (s) => {
    s.players[0].position = 10;
    s.players[0].inJail = true;
    change(s);
  });

describe("jail", () => {
  it("landing on Go To Jail sends the player to jail without passing Go", () => {
    const { state, events } = rollWith(
      edit(start(2), (s) => { s.players[0].position = 25; }),
      2,
      3,
    );
    assert.deepEqual(eventTypes(events), ["dice_rolled", "moved", "jailed"]);
    assert.equal(findEvent(events, "moved").to, 30);
    assert.deepEqual(findEvent(events, "jailed"), { type: "jailed", player: "p1", reason: "go_to_jail_tile" });
    const p1 = state.players[0];
    assert.equal(p1.position, 10);
    assert.equal(p1.inJail, true);
    assert.equal(p1.jailTurns, 0);
    assert.equal(p1.money, 1500);
    assert.equal(state.stage, "end");
  });

  it("paying bail costs 50, frees the player, and they then roll normally", () => {
    const { state, events } = play(jailed(), "p1", { type: "pay_bail" });
    assert.deepEqual(events, [
      { type: "money_paid", player: "p1", amount: 50, reason: "bail" },
      { type: "left_jail", player: "p1", how: "bail" },
    ]);
    assert.equal(state.players[0].money, 1450);
    assert.equal(state.players[0].inJail, false);
    assert.equal(state.stage, "roll");
    const rolled = rollWith(state, 2, 3).state;
    assert.equal(rolled.players[0].position, 15);
  });

  it("doubles rolled after paying bail earn another roll as usual", () => {
    const freed = play(jailed(), "p1", { type: "pay_bail" }).state;
    const { state } = rollWith(freed, 5, 5);
    assert.equal(state.players[0].position, 20);
    assert.equal(state.stage, "roll");
  });

  it("paying bail with less than 50 is refused with INSUFFICIENT_FUNDS", () => {
    expectRefusal(apply(jailed((s) => { s.players[0].money = 49; }), "p1", { type: "pay_bail" }), "INSUFFICIENT_FUNDS");
  });

  it("rolling doubles in jail frees the player and moves them by that roll, with no extra roll", () => {
    const { state, events } = rollWith(jailed(), 5, 5);
    assert.deepEqual(eventTypes(events), ["dice_rolled", "left_jail", "moved"]);
    assert.equal(findEvent(events, "left_jail").how, "doubles");
    assert.equal(state.players[0].inJail, false);
    assert.equal(state.players[0].position, 20);
    assert.equal(state.players[0].money, 1500);
    assert.equal(state.stage, "end");
  });

  it("leaving jail on doubles onto a property still ends the turn after the decision", () => {
    const landed = rollWith(jailed(), 3, 3).state;
    assert.equal(landed.players[0].position, 16);
    assert.equal(landed.stage, "decide");
    assert.equal(play(landed, "p1", { type: "buy" }).state.stage, "end");
  });

  it("a failed roll in jail keeps the player there, counts the try and ends the turn", () => {
    const { state, events } = rollWith(jailed(), 1, 2);
    assert.deepEqual(eventTypes(events), ["dice_rolled"]);
    assert.equal(state.players[0].inJail, true);
    assert.equal(state.players[0].position, 10);
    assert.equal(state.players[0].jailTurns, 1);
    assert.equal(state.stage, "end");
    const otherTurn = rollWith(play(state, "p1", { type: "end_turn" }).state, 1, 3).state;
    const back = rollWith(play(otherTurn, "p2", { type: "end_turn" }).state, 2, 3).state;
    assert.equal(back.players[0].jailTurns, 2);
    assert.equal(back.players[0].inJail, true);
  });

  it("the third failed roll forces the 50 bail and moves the player by that roll", () => {
    const { state, events } = rollWith(
      jailed((s) => { s.players[0].jailTurns = 2; }),
      4,
      6,
    );
    assert.deepEqual(eventTypes(events), ["dice_rolled", "money_paid", "left_jail", "moved"]);
    assert.equal(findEvent(events, "left_jail").how, "forced");
    const p1 = state.players[0];
    assert.equal(p1.money, 1450);
    assert.equal(p1.inJail, false);
    assert.equal(p1.jailTurns, 0);
    assert.equal(p1.position, 20);
    assert.equal(state.stage, "end");
  });

  it("a player who cannot pay the forced bail goes bankrupt and the turn passes", () => {
    const { state, events } = rollWith(
      jailed((s) => {
        s.players[0].jailTurns = 2;
        s.players[0].money = 30;
        s.owners[39] = "p1";
      }, 3),
      1,
      2,
    );
    assert.deepEqual(eventTypes(events), ["dice_rolled", "money_paid", "bankrupt", "turn_started"]);
    assert.deepEqual(findEvent(events, "bankrupt"), {
      type: "bankrupt",
      player: "p1",
      creditor: null,
      reason: "debt",
    });
    assert.equal(state.players[0].bankrupt, true);
    assert.equal(state.players[0].money, 0);
    assert.equal(state.owners[39], null);
    assert.equal(state.current, 1);
    assert.equal(state.stage, "roll");
  });
});
