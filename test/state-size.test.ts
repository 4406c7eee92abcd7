/**
 * The schema encoder's buffers are sized for this game's state (src/schema/size.ts): every room
 * holds two or three of them, so their size is most of a room's memory. The largest state a game can
 * reach must fit with room to spare, or the encoder grows its buffer and warns at run time.
 */
import assert from "node:assert/strict";
import { Encoder } from "@colyseus/schema";
import type { LogEntry } from "../src/match/log.ts";
import { openMatch, propose, type Match } from "../src/match/match.ts";
import { projectMatch } from "../src/rooms/projection.ts";
import { GameState } from "../src/schema/GameState.ts";
import { ENCODER_BUFFER_BYTES, sizeEncoderBuffers } from "../src/schema/size.ts";

const TIMING = { awayTurnSeconds: 3 };

/** Five players with the longest names, every turn played by the server, to the round limit. */
function* longestGame(seed: number, maxRounds: number): Generator<Match> {
  let match = openMatch({ t: "open", at: 0, code: "123456", options: { private: true, maxPlayers: 5, maxRounds, turnSeconds: 60 } });
  const offer = (entry: LogEntry) => {
    const { result } = propose(match, entry, TIMING);
    assert.ok(result.ok, `${entry.t}: ${result.ok ? "" : result.error.code}`);
    match = result.match;
  };
  const ids = ["AAAAAAAAA", "BBBBBBBBB", "CCCCCCCCC", "DDDDDDDDD", "EEEEEEEEE"];
  for (const [seat, id] of ids.entries()) offer({ t: "seat", at: 0, id, name: `${"W".repeat(19)}${seat}`, seat, tokenHash: `hash-${id}` });
  for (const id of ids) offer({ t: "ready", at: 0, id, ready: true });
  offer({ t: "start", at: 0, id: ids[0], seed, deadline: 0 });
  yield match;
  while (match.phase === "playing") {
    const current = match.game!.players[match.game!.current].id;
    offer({ t: "auto", at: 0, id: current, deadline: 0 });
    yield match;
  }
}

describe("the synchronized state's size", () => {
  it("fits the encoder's buffer with half of it to spare, at every step of five-player games to the round limit", () => {
    sizeEncoderBuffers();
    let largest = 0;
    for (const seed of [1, 2, 3]) {
      const state = new GameState();
      for (const match of longestGame(seed, 30)) {
        projectMatch(match, state, () => true);
        largest = Math.max(largest, new Encoder(state).encodeAll().length);
      }
    }
    assert.ok(largest > 200, `the encoded state is real (${largest} bytes)`);
    assert.ok(largest * 2 <= ENCODER_BUFFER_BYTES, `largest state ${largest} bytes, buffers ${ENCODER_BUFFER_BYTES}`);
    assert.equal(Encoder.BUFFER_SIZE, ENCODER_BUFFER_BYTES);
  });
});
