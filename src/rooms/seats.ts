/**
 * Seat tokens: the secret a player keeps to take their seat back (POST /rooms/:code/rejoin) after
 * anything, a closed tab, a restart or the room moving to another process. 128 random bits, sent to
 * the player alone; only its SHA-256 is kept in the match log.
 */
import { createHash, randomBytes } from "node:crypto";

export function newSeatToken(): { token: string; hash: string } {
  const token = randomBytes(18).toString("base64url");
  return { token, hash: hashSeatToken(token) };
}

export function hashSeatToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** What the room answers a rejoin with: a seat to consume, or why not. */
export type RejoinAnswer =
  | { ok: true; sessionId: string; reconnectionToken?: string }
  | { ok: false; code: "INVALID_SEAT_TOKEN" | "SEAT_LEFT" | "SEAT_IN_USE" | "UNAVAILABLE" | "WRONG_PLAYER"; message: string };
