import assert from "node:assert/strict";
import { freeSeat, hostAfterLeave, nameTaken, seatOrder } from "../src/game/lobby.ts";

describe("lobby rules", () => {
  it("seats a newcomer on the lowest free seat", () => {
    assert.equal(freeSeat([], 5), 0);
    assert.equal(freeSeat([{ id: "a", seat: 0 }, { id: "b", seat: 2 }], 5), 1);
  });

  it("has no seat left once maxSeats are taken", () => {
    assert.equal(freeSeat([{ id: "a", seat: 0 }, { id: "b", seat: 1 }], 2), null);
  });

  it("lists players in seat order", () => {
    assert.deepEqual(seatOrder([{ id: "c", seat: 3 }, { id: "a", seat: 0 }, { id: "b", seat: 1 }]), ["a", "b", "c"]);
  });

  it("passes the host role to the next seat, wrapping around", () => {
    const players = [{ id: "a", seat: 0 }, { id: "b", seat: 2 }, { id: "c", seat: 4 }];
    assert.equal(hostAfterLeave(players, "b", "b"), "c");
    assert.equal(hostAfterLeave(players, "c", "c"), "a");
    assert.equal(hostAfterLeave(players, "a", "b"), "a");
    assert.equal(hostAfterLeave([{ id: "a", seat: 0 }], "a", "a"), "");
  });

  it("compares display names without case", () => {
    assert.equal(nameTaken(["Ann", "Bob"], "ann"), true);
    assert.equal(nameTaken(["Ann", "Bob"], "Cy"), false);
  });
});
