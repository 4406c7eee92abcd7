/**
 * The error vocabulary of the public contract. Every refusal carries one of these stable codes,
 * so clients can branch on the code and show the message.
 */

/** Refusals of a room action (sent as an `error` message; the sender stays connected). */
export const ActionErrorCode = {
  INVALID_MESSAGE: "INVALID_MESSAGE",
  UNKNOWN_MESSAGE: "UNKNOWN_MESSAGE",
  NOT_YOUR_TURN: "NOT_YOUR_TURN",
  WRONG_PHASE: "WRONG_PHASE",
  WRONG_STAGE: "WRONG_STAGE",
  NOT_HOST: "NOT_HOST",
  NOT_READY: "NOT_READY",
  NOT_ENOUGH_PLAYERS: "NOT_ENOUGH_PLAYERS",
  INSUFFICIENT_FUNDS: "INSUFFICIENT_FUNDS",
  NOT_IN_JAIL: "NOT_IN_JAIL",
  NOT_PURCHASABLE: "NOT_PURCHASABLE",
  GAME_OVER: "GAME_OVER",
  UNKNOWN_PLAYER: "UNKNOWN_PLAYER",
  /** The sender watches the room (joined with `spectate: true`): spectators cannot act, ready, start or rematch. */
  SPECTATOR: "SPECTATOR",
  /** The database cannot commit the action: the game is paused; retry (with the same opId) in a moment. */
  UNAVAILABLE: "UNAVAILABLE",
} as const;
export type ActionErrorCode = (typeof ActionErrorCode)[keyof typeof ActionErrorCode];

/**
 * Refusals of create/join. Colyseus carries matchmaking errors as a number (`err.code` in the SDK)
 * and a sentence (`err.message`). The matchmaking HTTP route answers with that number as its status,
 * so each is an HTTP client-error status, distinct from Colyseus's own 520-526.
 */
export const JoinError = {
  INVALID_OPTIONS: 400,
  /**
   * Player tokens are on (AUTH_JWT_SECRET / AUTH_JWKS_FILE) and the request has none; INVALID_TOKEN:
   * it has one that does not verify (signature, expiry, algorithm, audience). Both are HTTP 401: the
   * message starts with the name (`AUTH_REQUIRED: ...`), which `joinErrorName` reads.
   */
  AUTH_REQUIRED: 401,
  INVALID_TOKEN: 401,
  /** A browser on an origin that is not in ALLOWED_ORIGINS (nor the server's own). */
  ORIGIN_NOT_ALLOWED: 403,
  ROOM_NOT_FOUND: 404,
  NAME_TAKEN: 409,
  GAME_STARTED: 410,
  ROOM_FULL: 423,
  UNAVAILABLE: 503,
} as const;
export type JoinErrorName = keyof typeof JoinError;

/** The name of a create/join refusal from the number a client received, if it is one of ours. */
export function joinErrorName(code: number, message?: string): JoinErrorName | undefined {
  const named = /^([A-Z_]+):/.exec(message ?? "")?.[1] as JoinErrorName | undefined;
  if (named !== undefined && JoinError[named] === code) return named;
  return (Object.keys(JoinError) as JoinErrorName[]).find((name) => JoinError[name] === code);
}

/** Errors of the HTTP API: `{ error: { code, message } }` with these statuses. */
export const HttpErrorStatus = {
  INVALID_CODE: 400,
  INVALID_QUERY: 400,
  /** A path's id that no record can have (GET /matches/:id/replay: not a whole number from 1). */
  INVALID_ID: 400,
  INVALID_BODY: 400,
  /** Refusals of the request itself, before any route sees it: a path with a malformed % escape, a body that does not parse or is too large. */
  INVALID_URL: 400,
  INVALID_JSON: 400,
  /** GET /players/:name/matches: a name no player can have (empty, over 20 characters, control characters). */
  INVALID_NAME: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  /** A player token is needed (player tokens are on) and none was sent; INVALID_TOKEN: the one sent does not verify. */
  AUTH_REQUIRED: 401,
  INVALID_TOKEN: 401,
  /** The seat belongs to another identity than the token's. */
  WRONG_PLAYER: 403,
  /** POST /auth/guest on a server without AUTH_GUESTS=1. */
  GUESTS_DISABLED: 403,
  INVALID_SEAT_TOKEN: 403,
  ORIGIN_NOT_ALLOWED: 403,
  SEAT_IN_USE: 409,
  SEAT_LEFT: 410,
  ROOM_NOT_FOUND: 404,
  NOT_FOUND: 404,
  TOO_MANY_ATTEMPTS: 429,
  INTERNAL: 500,
  /** GET /matches/:id/replay: the match's stored log is refused by the rules when replayed (it was not written by a room, or was changed since). */
  REPLAY_UNVERIFIABLE: 500,
  UNAVAILABLE: 503,
} as const;
export type HttpErrorCode = keyof typeof HttpErrorStatus;
