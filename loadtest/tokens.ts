/**
 * Player tokens the bots sign for themselves (`--auth`), as a game's own account service would:
 * HS256 with the server's AUTH_JWT_SECRET (and its AUTH_AUDIENCE when set), one identity per bot, so
 * that every bot holds a seat of its own (the server gives one identity one seat per room).
 */
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";

export interface BotAuth {
  secret: string;
  audience: string | null;
}

/** Tells this process's bots apart from another's, and from an earlier run's, with the same names. */
const RUN = randomBytes(6).toString("base64url");
/** Longer than the longest bench run (4 hours). */
const TOKEN_HOURS = 24;

export function botToken(auth: BotAuth, name: string): Promise<string> {
  const jwt = new SignJWT({ name })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(`loadtest:${RUN}:${name}`)
    .setIssuedAt()
    .setExpirationTime(`${TOKEN_HOURS}h`);
  if (auth.audience) jwt.setAudience(auth.audience);
  return jwt.sign(new TextEncoder().encode(auth.secret));
}
