/**
 * The state hash of verified replays (GET /matches/:id/replay, `npm run replay`): the first 16 hex
 * digits of the SHA-256 of the rules' game state written as canonical JSON. One definition for the
 * route, the record of a finished match and the checker, so that anyone who replays a match with
 * the rules (src/game) can compare their states with ours. Pure: no clock, no I/O.
 */
import { createHash } from "node:crypto";
import type { GameState } from "../game/index.ts";

/** Hex digits kept of the SHA-256 (64 bits: a replay compares states, it does not resist forgery). */
export const STATE_HASH_HEX_DIGITS = 16;

/**
 * JSON without whitespace, object keys sorted (by UTF-16 code unit, as Array.prototype.sort does),
 * keys whose value is undefined left out, arrays in order, strings and numbers as JSON.stringify
 * writes them. The game state is plain JSON (src/game/types.ts), so this is the whole state.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} has no JSON form`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`;
}

/** The hash of a game state: the same state gives the same hash in any process, on any machine. */
export function stateHash(state: GameState): string {
  return createHash("sha256").update(canonicalJson(state)).digest("hex").slice(0, STATE_HASH_HEX_DIGITS);
}
