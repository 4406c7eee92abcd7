/** Join codes: exactly six decimal digits, drawn uniformly from 000000-999999. */
import { randomInt } from "node:crypto";

export const CODE_ATTEMPTS = 50;

export function randomCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, "0");
}
