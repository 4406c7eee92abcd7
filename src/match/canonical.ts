/**
 * The canonical JSON that state hashes are taken over (src/match/hash.ts on the server, the replay
 * viewer's crypto.subtle hash in the browser): one definition, with no Node import, so that both
 * sides hash the same bytes.
 */

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
