/**
 * Who may take a seat, decided in the matchmaking request (static onAuth) before any seat is
 * reserved: with player tokens on, a valid token, whose identity names the seat (its sessionId);
 * then the join options, malformed ones refused early. And who may come in at all: a room holds
 * its players (at most maxPlayers seats) and up to MAX_SPECTATORS spectators, counted apart,
 * although Colyseus counts every connection against one maxClients.
 */
import type { PlayerTokens } from "../auth/tokens.ts";
import { MAX_SPECTATORS, describeIssue, joinOptions } from "../messages/options.ts";
import { joinError } from "./joinErrors.ts";

/** What static onAuth hands Colyseus for a player with a token: Colyseus reserves the seat under `sessionId`. */
export interface SeatAuth {
  sessionId: string;
  identity: string;
  /** The display name: the join options' or else the token's. */
  name: string;
}

/** What static onAuth hands Colyseus for a spectator with a token: no seat, so a sessionId of its own. */
export interface SpectatorAuth {
  identity: string;
  name: string;
  spectator: true;
}

/** Whether join options ask to watch rather than play. */
export function wantsToSpectate(options: unknown): boolean {
  return typeof options === "object" && options !== null && (options as { spectate?: unknown }).spectate === true;
}

export interface Headcount {
  /** Seated players plus seats reserved for players not seated yet. */
  players: number;
  /** Spectators watching plus seats reserved for spectators. */
  spectators: number;
}

/** Whether a room with this headcount takes one more player / spectator (a seated player coming back always fits). */
export function hasRoomFor(kind: "player" | "spectator", count: Headcount, maxPlayers: number): boolean {
  return kind === "spectator" ? count.spectators < MAX_SPECTATORS : count.players < maxPlayers;
}

/**
 * What static onAuth decides: with player tokens on, a valid token (else AUTH_REQUIRED /
 * INVALID_TOKEN, HTTP 401) whose identity's sessionId Colyseus reserves the seat under; then the
 * options, the name coming from the token's `name` claim when the options have none.
 */
export async function admit(tokens: PlayerTokens | undefined, token: string | undefined, options: unknown): Promise<true | SeatAuth | SpectatorAuth> {
  if (!tokens?.required) {
    const parsed = joinOptions.safeParse(options ?? {});
    if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
    return true;
  }
  const checked = await tokens.check(token);
  if (!checked.ok) throw joinError(checked.code, checked.message);
  const given = typeof options === "object" && options !== null ? (options as Record<string, unknown>) : {};
  const parsed = joinOptions.safeParse({ ...given, name: given.name ?? checked.player.name ?? undefined });
  if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
  const identity = checked.player.identity;
  // a spectator is not the identity's seat: Colyseus gives the connection a sessionId of its own
  if (parsed.data.spectate === true) return { identity, name: parsed.data.name, spectator: true };
  return { sessionId: tokens.sessionIdOf(identity), identity, name: parsed.data.name };
}
