/** Join codes: exactly six decimal digits, drawn uniformly from 000000-999999. */
import { randomInt } from "node:crypto";

export const CODE_ATTEMPTS = 50;

/** How long a released code stays out of use unless the store is told otherwise (CODE_COOLDOWN_SECONDS). */
export const DEFAULT_CODE_COOLDOWN_SECONDS = 600;

export function randomCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, "0");
}
