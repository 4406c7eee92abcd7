/** The synchronized state stays small: the serializer's encode buffers are sized for it (arena.config.ts). */
import assert from "node:assert/strict";
import { Encoder } from "@colyseus/schema";
import { GameState, Player } from "../src/schema/GameState.ts";

describe("synchronized state size", () => {
  it("encodes a full five-player game with every tile owned in well under 4 KB", () => {
    const state = new GameState();
    state.code = "123456";
    state.phase = "playing";
    for (let seat = 0; seat < 5; seat++) {
      const id = `session-${seat}-xxxx`; // longer than Colyseus's 9-character sessionIds
      state.players.set(id, new Player({ id, name: "N".repeat(20), seat, money: 123456, position: 39, rank: 5 }));
      state.turnOrder.push(id);
    }
    for (let tile = 0; tile < 40; tile++) state.owners.push(`session-${tile % 5}-xxxx`);
    state.dice.push(6, 6);
    state.currentTurn = "session-0-xxxx";
    state.hostId = "session-0-xxxx";
    state.winner = "session-0-xxxx";
    const bytes = new Encoder(state).encodeAll().byteLength;
    assert.ok(bytes < 2048, `full state is ${bytes} bytes`);
  });
});
