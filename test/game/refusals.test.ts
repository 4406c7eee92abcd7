import assert from "node:assert/strict";
import { apply, type Action, type GameState } from "../../src/game/index.ts";
import { deepFreeze, edit, expectRefusal, rollWith, start } from "./helpers.ts";

/** Refuses, returns no state, and leaves the (frozen) input exactly as it was. */
function refuses(state: GameState, playerId: string, action: Action, code: string): void {
  const frozen = deepFreeze(structuredClone(state));
  const snapshot = JSON.stringify(frozen);
  const result = apply(frozen, playerId, action);
  expectRefusal(result, code);
  assert.ok(!("state" in result));
  if (!result.ok) assert.match(result.error.message, /^[A-Z].*\.$/, "message should be a sentence");
  assert.equal(JSON.stringify(frozen), snapshot);
}

describe("refusals", () => {
  const fresh = start(3);
  const deciding = rollWith(fresh, 1, 2).state;
  const ending = rollWith(edit(fresh, (s) => { s.players[0].position = 15; }), 2, 3).state;

  it("acting out of turn is refused with NOT_YOUR_TURN", () => {
    refuses(fresh, "p2", { type: "roll" }, "NOT_YOUR_TURN");
    refuses(deciding, "p3", { type: "buy" }, "NOT_YOUR_TURN");
    refuses(ending, "p2", { type: "end_turn" }, "NOT_YOUR_TURN");
  });

  it("a bankrupt player is never on turn", () => {
    const fallen = edit(fresh, (s) => {
      s.players[1].bankrupt = true;
      s.bankruptOrder = ["p2"];
    });
    refuses(fallen, "p2", { type: "roll" }, "NOT_YOUR_TURN");
  });

  it("someone who is not in the game is refused with UNKNOWN_PLAYER", () => {
    refuses(fresh, "ghost", { type: "roll" }, "UNKNOWN_PLAYER");
  });

  it("actions that do not fit the stage are refused with WRONG_STAGE", () => {
    refuses(fresh, "p1", { type: "buy" }, "WRONG_STAGE");
    refuses(fresh, "p1", { type: "pass" }, "WRONG_STAGE");
    refuses(fresh, "p1", { type: "end_turn" }, "WRONG_STAGE");
    refuses(deciding, "p1", { type: "roll" }, "WRONG_STAGE");
    refuses(deciding, "p1", { type: "end_turn" }, "WRONG_STAGE");
    refuses(deciding, "p1", { type: "pay_bail" }, "WRONG_STAGE");
    refuses(ending, "p1", { type: "roll" }, "WRONG_STAGE");
    refuses(ending, "p1", { type: "buy" }, "WRONG_STAGE");
  });

  it("an action type the game does not know is refused instead of throwing", () => {
    refuses(fresh, "p1", { type: "teleport" } as unknown as Action, "WRONG_STAGE");
    refuses(fresh, "p1", null as unknown as Action, "WRONG_STAGE");
  });

  it("paying bail while not in jail is refused with NOT_IN_JAIL", () => {
    refuses(fresh, "p1", { type: "pay_bail" }, "NOT_IN_JAIL");
  });

  it("buying a tile that is not for sale is refused with NOT_PURCHASABLE", () => {
    const onParking = edit(fresh, (s) => {
      s.players[0].position = 20;
      s.stage = "decide";
    });
    refuses(onParking, "p1", { type: "buy" }, "NOT_PURCHASABLE");
    const alreadyOwned = edit(deciding, (s) => { s.owners[3] = "p2"; });
    refuses(alreadyOwned, "p1", { type: "buy" }, "NOT_PURCHASABLE");
  });

  it("every action after the game is over is refused with GAME_OVER", () => {
    const over = edit(fresh, (s) => {
      s.finished = true;
      s.winner = "p1";
    });
    for (const type of ["roll", "buy", "pass", "end_turn", "pay_bail"] as const) {
      refuses(over, "p1", { type }, "GAME_OVER");
    }
  });
});
