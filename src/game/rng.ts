// Seeded randomness for the rules: mulberry32, whose whole state is one uint32.
// Each draw takes a state and returns the next one, so the state can live inside
// GameState and a game replays exactly from its seed and its actions.

export type RngState = number;

const MULBERRY_INCREMENT = 0x6d2b79f5;
const TWO_POW_32 = 4294967296;

/** Any finite number is accepted; only its low 32 bits matter. */
export function seedRng(seed: number): RngState {
  return seed >>> 0;
}

/** A float in [0, 1) and the state after drawing it. */
export function nextFloat(state: RngState): [number, RngState] {
  const next = (state + MULBERRY_INCREMENT) >>> 0;
  let t = Math.imul(next ^ (next >>> 15), next | 1);
  t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
  return [((t ^ (t >>> 14)) >>> 0) / TWO_POW_32, next];
}

/** An integer in [0, n). */
export function nextInt(state: RngState, n: number): [number, RngState] {
  const [f, next] = nextFloat(state);
  return [Math.floor(f * n), next];
}

export function rollDice(state: RngState): [[number, number], RngState] {
  const [a, afterFirst] = nextInt(state, 6);
  const [b, afterSecond] = nextInt(afterFirst, 6);
  return [[a + 1, b + 1], afterSecond];
}

/** Fisher-Yates; returns a new array. */
export function shuffle<T>(items: readonly T[], state: RngState): [T[], RngState] {
  const out = items.slice();
  let rng = state;
  for (let i = out.length - 1; i > 0; i--) {
    let j: number;
    [j, rng] = nextInt(rng, i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return [out, rng];
}
