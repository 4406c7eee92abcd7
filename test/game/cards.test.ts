import assert from "node:assert/strict";
import type { Deck, GameState } from "../../src/game/index.ts";
import { edit, eventTypes, findEvent, rollWith, stackDeck, start } from "./helpers.ts";

/** p1 stands `position` and will draw `cardId` first from `deck`. */
const drawing = (position: number, deck: Deck, cardId: string, change: (s: GameState) => void = () => {}) =>
  stackDeck(
    edit(start(2), (s) => {
      s.players[0].position = position;
      change(s);
    }),
    deck,
    cardId,
  );

describe("cards", () => {
  it("a drawn card is reported with its deck, id and text", () => {
    const { events } = rollWith(drawing(14, "chest", "chest_bank_error"), 1, 2);
    assert.deepEqual(findEvent(events, "card_drawn"), {
      type: "card_drawn",
      player: "p1",
      deck: "chest",
      card: "chest_bank_error",
      text: "Bank error in your favour. Collect 200.",
    });
  });

  it("Advance to Go moves the player to Go and collects 200 once", () => {
    const { state, events } = rollWith(drawing(4, "chance", "chance_advance_go"), 1, 2);
    assert.deepEqual(eventTypes(events), ["dice_rolled", "moved", "card_drawn", "moved", "passed_go"]);
    assert.deepEqual(events[3], { type: "moved", player: "p1", from: 7, to: 0, passedGo: true });
    assert.equal(state.players[0].position, 0);
    assert.equal(state.players[0].money, 1700);
    assert.equal(state.stage, "end");
  });

  it("advancing to a tile behind the player passes Go and collects 200", () => {
    const { state, events } = rollWith(drawing(33, "chance", "chance_advance_illinois"), 1, 2);
    assert.equal(state.players[0].position, 24);
    assert.equal(findEvent(events, "passed_go").amount, 200);
    assert.equal(state.players[0].money, 1700);
    assert.equal(state.stage, "decide");
  });

  it("advancing to a tile ahead collects nothing and resolves the tile like a normal landing", () => {
    const { state, events } = rollWith(drawing(4, "chance", "chance_advance_illinois"), 1, 2);
    assert.equal(state.players[0].position, 24);
    assert.ok(!eventTypes(events).includes("passed_go"));
    assert.equal(state.players[0].money, 1500);
    assert.equal(state.stage, "decide");
  });

  it("advancing onto another player's railroad pays them rent", () => {
    const { state } = rollWith(
      drawing(4, "chance", "chance_advance_reading", (s) => { s.owners[5] = "p2"; }),
      1,
      2,
    );
    assert.equal(state.players[0].position, 5);
    assert.equal(state.players[0].money, 1500 + 200 - 25);
    assert.equal(state.players[1].money, 1525);
  });

  it("Go back three spaces moves the player back and resolves where they land", () => {
    const { state, events } = rollWith(drawing(4, "chance", "chance_back_three"), 1, 2);
    assert.deepEqual(events[3], { type: "moved", player: "p1", from: 7, to: 4, passedGo: false });
    assert.equal(state.players[0].position, 4);
    assert.equal(findEvent(events, "tax_paid").amount, 200);
    assert.equal(state.players[0].money, 1300);
  });

  it("going back three from the last Chance lands on Community Chest and draws from it", () => {
    const onChance = drawing(33, "chance", "chance_back_three");
    const { state, events } = rollWith(stackDeck(onChance, "chest", "chest_inheritance"), 1, 2);
    assert.equal(state.players[0].position, 33);
    assert.deepEqual(
      events.filter((e) => e.type === "card_drawn").map((e) => e.card),
      ["chance_back_three", "chest_inheritance"],
    );
    assert.equal(state.players[0].money, 1600);
  });

  it("a collect card pays the player from the bank", () => {
    const { state, events } = rollWith(drawing(14, "chest", "chest_bank_error"), 1, 2);
    assert.deepEqual(findEvent(events, "money_collected"), {
      type: "money_collected",
      player: "p1",
      amount: 200,
      reason: "card",
    });
    assert.equal(state.players[0].money, 1700);
    assert.equal(state.players[1].money, 1500);
  });

  it("a pay card takes money to the bank", () => {
    const { state, events } = rollWith(drawing(14, "chest", "chest_doctor_fee"), 1, 2);
    assert.deepEqual(findEvent(events, "money_paid"), {
      type: "money_paid",
      player: "p1",
      amount: 50,
      reason: "card",
    });
    assert.equal(state.players[0].money, 1450);
    assert.equal(state.players[1].money, 1500);
  });

  it("a go to jail card jails the player without passing Go, even after doubles", () => {
    const { state, events } = rollWith(drawing(3, "chance", "chance_go_to_jail"), 2, 2);
    assert.deepEqual(findEvent(events, "jailed"), { type: "jailed", player: "p1", reason: "card" });
    assert.equal(state.players[0].position, 10);
    assert.equal(state.players[0].inJail, true);
    assert.equal(state.players[0].money, 1500);
    assert.equal(state.stage, "end");
  });

  it("drawn cards go to the bottom, so the deck cycles in its shuffled order", () => {
    let state = edit(start(2), (s) => { s.players[0].position = 4; });
    const drawn: unknown[] = [];
    for (let i = 0; i < 9; i++) {
      state = edit(state, (s) => {
        s.players[0].position = 4;
        s.players[0].inJail = false;
        s.stage = "roll";
      });
      const result = rollWith(state, 1, 2);
      drawn.push(findEvent(result.events, "card_drawn").card);
      state = result.state;
    }
    assert.equal(new Set(drawn.slice(0, 8)).size, 8);
    assert.equal(drawn[8], drawn[0]);
    assert.equal(state.chance.next, 1);
  });
});
