import assert from "node:assert/strict";
import { apply, type GameState } from "../../src/game/index.ts";
import { edit, eventTypes, expectRefusal, findEvent, play, rollWith, start } from "./helpers.ts";

const at = (position: number, change: (s: GameState) => void = () => {}) =>
  edit(start(3), (s) => {
    s.players[0].position = position;
    change(s);
  });

describe("buying", () => {
  it("landing on an unowned street asks the player to buy or pass and charges nothing yet", () => {
    const { state } = rollWith(at(0), 1, 2);
    assert.equal(state.players[0].position, 3);
    assert.equal(state.stage, "decide");
    assert.equal(state.players[0].money, 1500);
  });

  it("buying pays the price and takes ownership", () => {
    const landed = rollWith(at(0), 1, 2).state;
    const { state, events } = play(landed, "p1", { type: "buy" });
    assert.equal(state.owners[3], "p1");
    assert.equal(state.players[0].money, 1440);
    assert.deepEqual(events, [{ type: "bought", player: "p1", tile: 3, price: 60 }]);
    assert.equal(state.stage, "end");
  });

  it("railroads and utilities can be bought too", () => {
    const railroad = play(rollWith(at(0), 1, 4).state, "p1", { type: "buy" }).state;
    assert.equal(railroad.owners[5], "p1");
    assert.equal(railroad.players[0].money, 1300);
    const utility = play(rollWith(at(5), 3, 4).state, "p1", { type: "buy" }).state;
    assert.equal(utility.owners[12], "p1");
    assert.equal(utility.players[0].money, 1350);
  });

  it("buying without enough money is refused with INSUFFICIENT_FUNDS and changes nothing", () => {
    const landed = rollWith(at(36, (s) => { s.players[0].money = 399; }), 1, 2).state;
    assert.equal(landed.players[0].position, 39);
    const before = structuredClone(landed);
    expectRefusal(apply(landed, "p1", { type: "buy" }), "INSUFFICIENT_FUNDS");
    assert.deepEqual(landed, before);
    assert.equal(landed.stage, "decide");
    assert.equal(play(landed, "p1", { type: "pass" }).state.owners[39], null);
  });

  it("passing leaves the tile with the bank and costs nothing", () => {
    const landed = rollWith(at(0), 1, 2).state;
    const { state, events } = play(landed, "p1", { type: "pass" });
    assert.equal(state.owners[3], null);
    assert.equal(state.players[0].money, 1500);
    assert.deepEqual(events, [{ type: "passed", player: "p1", tile: 3 }]);
    assert.equal(state.stage, "end");
  });

  it("landing on one's own property costs nothing and asks nothing", () => {
    const { state, events } = rollWith(at(0, (s) => { s.owners[3] = "p1"; }), 1, 2);
    assert.equal(state.players[0].money, 1500);
    assert.equal(state.stage, "end");
    assert.deepEqual(eventTypes(events), ["dice_rolled", "moved"]);
  });
});

describe("rent", () => {
  it("landing on another player's street pays them the base rent", () => {
    const { state, events } = rollWith(at(0, (s) => { s.owners[3] = "p2"; }), 1, 2);
    assert.equal(state.players[0].money, 1496);
    assert.equal(state.players[1].money, 1504);
    assert.deepEqual(findEvent(events, "rent_paid"), {
      type: "rent_paid",
      player: "p1",
      owner: "p2",
      tile: 3,
      amount: 4,
    });
    assert.equal(state.stage, "end");
  });

  it("rent doubles when the owner holds the whole colour group", () => {
    const whole = rollWith(
      at(0, (s) => {
        s.owners[1] = "p2";
        s.owners[3] = "p2";
      }),
      1,
      2,
    ).state;
    assert.equal(whole.players[1].money, 1508);

    const split = rollWith(
      at(0, (s) => {
        s.owners[1] = "p3";
        s.owners[3] = "p2";
      }),
      1,
      2,
    ).state;
    assert.equal(split.players[1].money, 1504);
  });

  it("railroad rent is 25, 50, 100 or 200 by how many railroads the owner holds", () => {
    const railroads = [5, 15, 25, 35];
    const rents = [1, 2, 3, 4].map((held) => {
      const { state } = rollWith(
        // Railroads the owner lacks belong to someone else, so only the owner's own count.
        at(0, (s) => {
          for (const [i, tile] of railroads.entries()) s.owners[tile] = i < held ? "p2" : "p3";
        }),
        1,
        4,
      );
      return 1500 - state.players[0].money;
    });
    assert.deepEqual(rents, [25, 50, 100, 200]);
  });

  it("utility rent is the dice total times 4 with one utility and times 10 with both", () => {
    const one = rollWith(at(5, (s) => { s.owners[12] = "p2"; }), 3, 4).state;
    assert.equal(one.players[0].position, 12);
    assert.equal(one.players[1].money, 1528);

    const both = rollWith(
      at(5, (s) => {
        s.owners[12] = "p2";
        s.owners[28] = "p2";
      }),
      3,
      4,
    ).state;
    assert.equal(both.players[1].money, 1570);

    const otherOwner = rollWith(
      at(5, (s) => {
        s.owners[12] = "p2";
        s.owners[28] = "p3";
      }),
      5,
      2,
    ).state;
    assert.equal(otherOwner.players[1].money, 1528);
  });
});

describe("taxes", () => {
  it("Income Tax takes 200 to the bank", () => {
    const { state, events } = rollWith(at(0), 1, 3);
    assert.equal(state.players[0].money, 1300);
    assert.deepEqual(findEvent(events, "tax_paid"), { type: "tax_paid", player: "p1", tile: 4, amount: 200 });
    assert.equal(state.players[1].money + state.players[2].money, 3000);
  });

  it("Luxury Tax takes 100 to the bank", () => {
    const { state, events } = rollWith(at(35), 1, 2);
    assert.equal(state.players[0].position, 38);
    assert.equal(state.players[0].money, 1400);
    assert.deepEqual(findEvent(events, "tax_paid"), { type: "tax_paid", player: "p1", tile: 38, amount: 100 });
  });
});
