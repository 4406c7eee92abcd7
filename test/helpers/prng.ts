/** The spec's own seeded choices (the rules' mulberry32, src/game/rng.ts, as one draw after another), so every run drives the same games. */
import { nextFloat, seedRng } from "../../src/game/rng.ts";

export function prng(seed: number): () => number {
  let state = seedRng(seed);
  return () => {
    const [value, next] = nextFloat(state);
    state = next;
    return value;
  };
}
