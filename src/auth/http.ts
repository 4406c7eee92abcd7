/**
 * Player tokens over HTTP and WebSocket: the discovery route a web client asks first (GET /auth),
 * guest tokens (POST /auth/guest), the check of POST /rooms/:code/rejoin, and the check of every
 * WebSocket to a room, so that a connection cannot consume a seat reserved for another identity.
 * The matchmaking routes are checked by the room's static onAuth (src/rooms/GameRoom.ts).
 */
import { type BeforeUpgradeHandler, type Presence, matchMaker } from "@colyseus/core";
import { type Request, type RequestHandler, type Response, Router } from "express";
import { RateLimiterRes } from "rate-limiter-flexible";
import { z } from "zod";
import type { Settings } from "../config.ts";
import { clientIpOf } from "../http/clientIp.ts";
import { sendError } from "../http/errors.ts";
import { limiterOf, redisClientOf } from "../http/limiters.ts";
import { clientKey } from "../http/throttle.ts";
import { describeIssue, displayName } from "../messages/options.ts";
import { GameRoom } from "../rooms/GameRoom.ts";
import type { Player, PlayerTokens, TokenCheck } from "./tokens.ts";

/** Guest tokens (new or renewed) one client IP may get per minute: enough for a family, not for an army of fake players. */
export const GUEST_TOKENS_PER_MINUTE = 30;

const guestBody = z.object({ name: displayName.optional() });

/** The bearer token of a request (`Authorization: Bearer <JWT>`), or null. */
export function bearerOf(req: Request): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return match ? match[1] : null;
}

/** The player a request's token names, set by `requirePlayer`; undefined with player tokens off. */
export function playerOf(res: Response): Player | undefined {
  return res.locals.player as Player | undefined;
}

/**
 * With player tokens on, a route that needs one: 401 AUTH_REQUIRED / INVALID_TOKEN, else the
 * player is in `res.locals.player` (read it with playerOf) for the route to check the seat against.
 */
export function requirePlayer(tokens: PlayerTokens): RequestHandler {
  return async (req, res, next) => {
    if (!tokens.required) return next();
    let checked: TokenCheck;
    try {
      checked = await tokens.check(bearerOf(req));
    } catch (e) {
      return next(e);
    }
    if (!checked.ok) return sendError(res, checked.code, checked.message);
    res.locals.player = checked.player;
    next();
  };
}

type GuestSettings = Pick<Settings, "trustProxy">;

/** GET /auth (what a client must do) and POST /auth/guest { name } (a guest token, or a guest's renewed). */
export function authRouter(tokens: PlayerTokens, settings: GuestSettings, presence?: Presence): Router {
  const router = Router();
  const issued = limiterOf(redisClientOf(presence), { points: GUEST_TOKENS_PER_MINUTE, duration: 60, keyPrefix: "boardroom:guest-tokens" });
  const ipOf = clientIpOf(settings.trustProxy);

  router.get("/auth", (_req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ required: tokens.required, guests: tokens.guests });
  });

  router.post("/auth/guest", async (req, res, next) => {
    try {
      if (!tokens.guests) return sendError(res, "GUESTS_DISABLED", "This server does not issue guest tokens (AUTH_GUESTS is off).");
      const parsed = guestBody.safeParse(req.body ?? {});
      if (!parsed.success) return sendError(res, "INVALID_BODY", `The body must be JSON like { "name": "Ann" }: ${describeIssue(parsed.error)}.`);
      // a guest presenting its own token keeps its identity (the same seats); any other token is not renewed
      const presented = bearerOf(req);
      let renewed: Player | null = null;
      if (presented !== null) {
        const checked = await tokens.check(presented);
        if (!checked.ok) return sendError(res, checked.code, checked.message);
        if (!checked.player.guest) return sendError(res, "INVALID_TOKEN", "INVALID_TOKEN: only a guest token of this server is renewed here.");
        renewed = checked.player;
      }
      const name = parsed.data.name ?? renewed?.name;
      if (!name) return sendError(res, "INVALID_BODY", 'The body must be JSON like { "name": "Ann" }: name is required.');
      try {
        await issued.consume(clientKey(ipOf(req)));
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        const seconds = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        res.setHeader("Retry-After", String(seconds));
        res.locals.rateLimit = "guest_tokens";
        return sendError(res, "TOO_MANY_ATTEMPTS", `Too many guest tokens for your address; try again in ${seconds} s.`);
      }
      const guest = await tokens.issueGuest(name, renewed?.identity);
      res.setHeader("Cache-Control", "no-store");
      res.json({ token: guest.token, identity: guest.identity, name: guest.name, expiresAt: new Date(guest.expiresAt).toISOString() });
    } catch (e) {
      next(e);
    }
  });

  return router;
}

/**
 * The WebSocket transport's hook: with player tokens on, a connection to a game room carries a valid
 * token (the SDK sends it as `_authToken`) of the identity the seat, or its reservation, is for.
 * Answered 401 (no or bad token) or 403 WRONG_PLAYER instead of upgraded.
 */
export function refuseUnauthenticatedUpgrades(tokens: PlayerTokens): BeforeUpgradeHandler {
  return async (request, context) => {
    if (!tokens.required) return;
    const url = new URL(request.url);
    const sessionId = url.searchParams.get("sessionId");
    // no sessionId: Colyseus's latency ping, which joins nothing
    if (!sessionId) return;
    // the game's rooms only: the lobby's listing is public (as GET /rooms is)
    const room = matchMaker.getLocalRoomById(url.pathname.split("/").at(-1) ?? "");
    if (!(room instanceof GameRoom)) return;
    const checked = await tokens.check(context.token);
    if (!checked.ok) return Response.json({ error: { code: checked.code, message: checked.message } }, { status: 401 });
    const owner = room.identityOf(sessionId);
    if (owner !== null && owner !== checked.player.identity) {
      return Response.json({ error: { code: "WRONG_PLAYER", message: "This seat belongs to another player." } }, { status: 403 });
    }
  };
}
