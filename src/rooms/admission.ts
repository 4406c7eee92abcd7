/**
 * Who may take a seat, decided in the matchmaking request (static onAuth) before any seat is
 * reserved: with player tokens on, a valid token, whose identity names the seat (its sessionId);
 * then the join options, malformed ones refused early.
 */
import type { PlayerTokens } from "../auth/tokens.ts";
import { describeIssue, joinOptions } from "../messages/options.ts";
import { joinError } from "./joinErrors.ts";

/** What static onAuth hands Colyseus for a player with a token: Colyseus reserves the seat under `sessionId`. */
export interface SeatAuth {
  sessionId: string;
  identity: string;
  /** The display name: the join options' or else the token's. */
  name: string;
}

/**
 * What static onAuth decides: with player tokens on, a valid token (else AUTH_REQUIRED /
 * INVALID_TOKEN, HTTP 401) whose identity's sessionId Colyseus reserves the seat under; then the
 * options, the name coming from the token's `name` claim when the options have none.
 */
export async function admit(tokens: PlayerTokens | undefined, token: string | undefined, options: unknown): Promise<true | SeatAuth> {
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
  return { sessionId: tokens.sessionIdOf(identity), identity, name: parsed.data.name };
}
