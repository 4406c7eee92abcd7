/**
 * Colyseus refuses a join into a locked room with a generic `room "<id>" is locked`. A locked game
 * room is either full or already playing; this turns that into ROOM_FULL / GAME_STARTED (and a
 * vanished room into ROOM_NOT_FOUND) so the player reads what happened. With player tokens on, a
 * player whose identity has a seat there gets that seat back instead (another device taking it
 * over), and a request without a valid token is refused as such first. A spectator (`spectate:
 * true`) is let into a locked room (a game in play, a full lobby): watching needs no seat.
 */
import { ErrorCode, matchMaker } from "@colyseus/core";
import type { PlayerTokens } from "../auth/tokens.ts";
import { MAX_SPECTATORS } from "../messages/options.ts";
import { admit, wantsToSpectate } from "./admission.ts";
import { joinError } from "./joinErrors.ts";
import type { RejoinAnswer } from "./seats.ts";

/** The player tokens of the server this process runs (the matchmaking controller is one per process). */
let takeoverTokens: PlayerTokens | undefined;

export function explainMatchmakeErrors(roomName: string, tokens?: PlayerTokens) {
  takeoverTokens = tokens;
  const controller = matchMaker.controller as typeof matchMaker.controller & { __explained?: boolean };
  if (controller.__explained) return;
  controller.__explained = true;
  const invoke = controller.invokeMethod.bind(controller);

  controller.invokeMethod = async (method, name, clientOptions, authOptions) => {
    try {
      return await invoke(method, name, clientOptions, authOptions);
    } catch (e) {
      const err = e as { code?: number; message?: string };
      if (method !== "joinById" || err.code !== ErrorCode.MATCHMAKE_INVALID_ROOM_ID && !/full/.test(err.message ?? "")) throw e;
      const listing = (await matchMaker.findRoomsByIds([name])).get(name);
      if (!listing) throw joinError("ROOM_NOT_FOUND", "This room no longer exists.");
      if (listing.name !== roomName) throw e;
      if (wantsToSpectate(clientOptions)) return spectate(listing, clientOptions, authOptions?.token);
      if (takeoverTokens?.required) {
        const checked = await takeoverTokens.check(authOptions?.token);
        if (!checked.ok) throw joinError(checked.code, checked.message);
        const answer: RejoinAnswer = await matchMaker.remoteRoomCall(name, "prepareTakeover", [checked.player.identity]);
        if (answer.ok) {
          return { ...matchMaker.buildSeatReservation(listing, answer.sessionId), ...(answer.reconnectionToken ? { reconnectionToken: answer.reconnectionToken } : {}) };
        }
        if (answer.code === "UNAVAILABLE") throw joinError("UNAVAILABLE", answer.message);
      }
      if (listing.metadata?.phase && listing.metadata.phase !== "lobby") {
        throw joinError("GAME_STARTED", "This game has already started.");
      }
      if (listing.clients >= listing.maxClients || /full|locked/.test(err.message ?? "")) {
        // maxClients counts the spectators' places too: the seats are the room's maxPlayers
        const seats = Number(listing.metadata?.maxPlayers) || listing.maxClients;
        throw joinError("ROOM_FULL", `This room is full (${seats} players).`);
      }
      throw e;
    }
  };
}

/**
 * A spectator's seat in a room Colyseus refused to join by id (locked: a game in play, a full
 * lobby; or out of places): checked as the room's static onAuth checks it, then reserved by the
 * room, which counts spectators apart from the seats (ROOM_FULL past MAX_SPECTATORS).
 */
async function spectate(listing: Parameters<typeof matchMaker.reserveSeatFor>[0], options: unknown, token: string | undefined) {
  const auth = await admit(takeoverTokens, token, options);
  try {
    return await matchMaker.reserveSeatFor(listing, options as Record<string, unknown>, auth === true ? undefined : auth);
  } catch (e) {
    if (!/full/.test((e as Error).message ?? "")) throw e;
    throw joinError("ROOM_FULL", `This game already has ${MAX_SPECTATORS} spectators, the most a room takes.`);
  }
}
