/**
 * The state hash of verified replays (GET /matches/:id/replay, `npm run replay`): the first 16 hex
 * digits of the SHA-256 of the rules' game state written as canonical JSON. One definition for the
 * route, the record of a finished match and the checker, so that anyone who replays a match with
 * the rules (src/game) can compare their states with ours. Pure: no clock, no I/O.
 */
import { createHash } from "node:crypto";
import type { GameState } from "../game/index.ts";
import { STATE_HASH_HEX_DIGITS, canonicalJson } from "./canonical.ts";

export { STATE_HASH_HEX_DIGITS, canonicalJson };

/** The hash of a game state: the same state gives the same hash in any process, on any machine. */
export function stateHash(state: GameState): string {
  return createHash("sha256").update(canonicalJson(state)).digest("hex").slice(0, STATE_HASH_HEX_DIGITS);
}
