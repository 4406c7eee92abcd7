/**
 * Player tokens: who a player is. Off unless AUTH_JWT_SECRET (HS256) or AUTH_JWKS_FILE (RS256/ES256
 * public keys of a game's own account service) is set; then every create, join, rejoin and room
 * connection carries a JWT whose `sub` is the player's identity and whose `name` is the display name
 * unless the join options give one. Verified with jose against an explicit algorithm allowlist, so
 * `alg: none` and algorithm confusion (an HS256 token "signed" with a public key) are refused.
 *
 * An identity has one sessionId, the same in every room and on every process (an HMAC of `sub`):
 * Colyseus reserves the seat of a join under it, so the same identity lands on its own seat.
 */
import { createHmac, randomBytes } from "node:crypto";
import { SignJWT, createLocalJWKSet, errors, jwtVerify, type JWSHeaderParameters, type JWTPayload, type FlattenedJWSInput } from "jose";
import type { Settings } from "../config.ts";

export type AuthSettings = Pick<Settings, "authJwtSecret" | "authJwks" | "authAudience" | "authGuests" | "authGuestSeconds">;

/** A verified token's player. */
export interface Player {
  /** The token's `sub`. */
  identity: string;
  /** The token's `name` claim, when it has a string one. */
  name: string | null;
  /** A guest token this server issued (POST /auth/guest). */
  guest: boolean;
}

export type TokenRefusalCode = "AUTH_REQUIRED" | "INVALID_TOKEN";
export type TokenCheck = { ok: true; player: Player } | { ok: false; code: TokenRefusalCode; message: string };

export interface GuestToken {
  token: string;
  identity: string;
  name: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export interface PlayerTokens {
  /** Whether joins need a token at all. */
  readonly required: boolean;
  /** Whether POST /auth/guest issues tokens. */
  readonly guests: boolean;
  /** Checks a bearer token (absent: AUTH_REQUIRED; anything wrong with it: INVALID_TOKEN). */
  check(token: string | null | undefined): Promise<TokenCheck>;
  /** The sessionId of an identity: 9 URL-safe characters, like the ids Colyseus makes. */
  sessionIdOf(identity: string): string;
  /** A new guest token; with `identity`, a renewal of that guest's. */
  issueGuest(name: string, identity?: string): Promise<GuestToken>;
}

/** The issuer of guest tokens: a token signed with the secret by anyone else is never renewed as a guest's. */
export const GUEST_ISSUER = "boardroom:guest";
/** The prefix of guest identities, so that no account's `sub` can be a guest's. */
const GUEST_PREFIX = "guest:";
/** The longest `sub` kept (the match records' identity column). */
export const MAX_IDENTITY_LENGTH = 255;
const SESSION_ID_LENGTH = 9;

export function playerTokens(settings: AuthSettings): PlayerTokens {
  const secret = settings.authJwtSecret === null ? null : new TextEncoder().encode(settings.authJwtSecret);
  const jwks = settings.authJwks === null ? null : createLocalJWKSet(settings.authJwks as Parameters<typeof createLocalJWKSet>[0]);
  const algorithms = [...(secret ? ["HS256"] : []), ...(jwks ? ["RS256", "ES256"] : [])];
  // HS256 is checked with the secret alone, RS256/ES256 with the JWKS alone: a key never serves another family
  const keyFor = (header: JWSHeaderParameters, token: FlattenedJWSInput) => (header.alg === "HS256" ? secret! : jwks!(header, token));
  // sessionIds stay the same across restarts and processes: keyed by the secret when there is one
  const sessionKey = settings.authJwtSecret ?? "boardroom:session-ids";

  return {
    required: algorithms.length > 0,
    guests: settings.authGuests && secret !== null,

    async check(token) {
      if (token === null || token === undefined || token === "") {
        return { ok: false, code: "AUTH_REQUIRED", message: "AUTH_REQUIRED: this server needs a player token (Authorization: Bearer <JWT>)." };
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keyFor, {
          algorithms,
          requiredClaims: ["sub", "exp"],
          ...(settings.authAudience !== null ? { audience: settings.authAudience } : {}),
        }));
      } catch (e) {
        return { ok: false, code: "INVALID_TOKEN", message: `INVALID_TOKEN: ${whyInvalid(e)}.` };
      }
      const identity = payload.sub;
      if (typeof identity !== "string" || identity.length === 0 || identity.length > MAX_IDENTITY_LENGTH) {
        return { ok: false, code: "INVALID_TOKEN", message: `INVALID_TOKEN: its sub must be a string of 1-${MAX_IDENTITY_LENGTH} characters.` };
      }
      const guest = payload.iss === GUEST_ISSUER && identity.startsWith(GUEST_PREFIX);
      return { ok: true, player: { identity, name: typeof payload.name === "string" ? payload.name : null, guest } };
    },

    sessionIdOf: (identity) => createHmac("sha256", sessionKey).update(`session:${identity}`).digest("base64url").slice(0, SESSION_ID_LENGTH),

    async issueGuest(name, identity) {
      if (!secret) throw new Error("guest tokens need AUTH_JWT_SECRET");
      const sub = identity ?? `${GUEST_PREFIX}${randomBytes(12).toString("base64url")}`;
      const expiresAt = (Math.floor(Date.now() / 1000) + settings.authGuestSeconds) * 1000;
      const jwt = new SignJWT({ name })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(sub)
        .setIssuer(GUEST_ISSUER)
        .setIssuedAt()
        .setExpirationTime(expiresAt / 1000);
      if (settings.authAudience !== null) jwt.setAudience(settings.authAudience);
      return { token: await jwt.sign(secret), identity: sub, name, expiresAt };
    },
  };
}

/** What is wrong with a token, in a few words (the answer names it; the token's content is never echoed). */
function whyInvalid(e: unknown): string {
  if (e instanceof errors.JWTExpired) return "the token has expired";
  if (e instanceof errors.JOSEAlgNotAllowed) return "its signing algorithm is not accepted here";
  if (e instanceof errors.JWSSignatureVerificationFailed) return "its signature does not verify";
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return "no key of this server's JWKS matches it";
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === "aud") return "it is not meant for this server (aud)";
    if (e.claim === "nbf") return "it is not valid yet (nbf)";
    return `its ${e.claim} claim is missing or wrong`;
  }
  return "it is not a well-formed signed JWT";
}
