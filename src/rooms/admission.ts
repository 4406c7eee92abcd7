/**
 * Who may take a seat, decided in the matchmaking request (static onAuth) before any seat is
 * reserved: with player tokens on, a valid token, whose identity names the seat (its sessionId);
 * then the join options, malformed ones refused early (and the name checked again at connect).
 * And who may come in at all: a room holds its players (at most maxPlayers seats) and up to
 * MAX_SPECTATORS spectators, counted apart before each seat reservation (admitBySeatKind),
 * although Colyseus counts every connection against one maxClients.
 */
import type { PlayerTokens } from "../auth/tokens.ts";
import type { Match } from "../match/match.ts";
import { MAX_SPECTATORS, describeIssue, joinOptions } from "../messages/options.ts";
import type { ReserveSeat, ReservedSeats } from "./colyseusPrivates.ts";
import { joinError } from "./joinErrors.ts";
import type { Spectators } from "./spectators.ts";

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

/** Colyseus's one limit of a room, maxClients, counts spectators too: the seats are counted apart (admitBySeatKind). */
export function maxClientsFor(maxPlayers: number): number {
  return maxPlayers + MAX_SPECTATORS;
}

/**
 * Players and spectators in the room or on their way in: Colyseus's seat reservations (those not
 * yet used, and those whose onJoin is running) of sessionIds that are neither seated nor watching,
 * each counted by what its join options asked for.
 */
export function headcount(match: Match, watching: Pick<Spectators, "size" | "has">, reservedSeats: ReservedSeats): Headcount {
  const seated = new Set(match.players.map((p) => p.id));
  const count = { players: seated.size, spectators: watching.size };
  // own names, not entries: while onJoin runs (the seat's log entry being committed) Colyseus keeps
  // the consumed reservation as a non-enumerable entry, and that player is not seated yet
  for (const sessionId of Object.getOwnPropertyNames(reservedSeats)) {
    const seat = reservedSeats[sessionId];
    if (!seat || seated.has(sessionId) || watching.has(sessionId)) continue;
    if (wantsToSpectate(seat[0])) count.spectators++;
    else count.players++;
  }
  return count;
}

/** What admission by seat kind needs of its room. */
export interface AdmittingRoom {
  /** Absent until onCreate has opened or restored the match. */
  readonly match: Match | undefined;
  headcount(): Headcount;
  /** Colyseus's seat reservation time, in seconds. */
  readonly seatReservationTimeout: number;
  /** Brings the room's listing (its lock) in line with the seats taken or reserved. */
  relist(): void;
  /** Runs the handler once, in `ms`, as a task of the room's. */
  later(handler: () => unknown, ms: number): unknown;
}

/**
 * Colyseus reserves a seat while clients + reservations are under maxClients, which counts
 * spectators too. Before it does, the room counts by kind: a player needs a free seat, a
 * spectator one of MAX_SPECTATORS places; a seated player coming back (a rejoin, a takeover) always
 * fits. A refused reservation is what Colyseus answers a full room with (ROOM_FULL, see
 * matchmakeErrors.ts). A player's reservation may fill the seats: the room is locked until it is
 * consumed or expires.
 */
export function admitBySeatKind(room: AdmittingRoom, reserve: ReserveSeat): ReserveSeat {
  return async (sessionId, joinOptions, authData, seconds, allowReconnection, ...rest) => {
    const match = room.match;
    const coming = !allowReconnection && match && !match.players.some((p) => p.id === sessionId);
    const kind = wantsToSpectate(joinOptions) ? "spectator" : "player";
    if (coming && !hasRoomFor(kind, room.headcount(), match.options.maxPlayers)) return false;
    const reserved = await reserve(sessionId, joinOptions, authData, seconds, allowReconnection, ...rest);
    if (reserved && coming && kind === "player") {
      room.relist();
      // an expired reservation frees its seat without telling the room
      room.later(() => room.relist(), (seconds ?? room.seatReservationTimeout) * 1000 + 50);
    }
    return reserved;
  };
}

/** The auth data onJoin is handed, when static onAuth returned some (Colyseus hands `true` for a create whose onAuth returned true). */
export function authOf(authData: unknown): SeatAuth | SpectatorAuth | null {
  return typeof authData === "object" && authData !== null && "identity" in authData ? (authData as SeatAuth | SpectatorAuth) : null;
}

/** The name a connection joins under, checked again at connect: its token's (see admit), else its join options'. */
export function joiningName(options: unknown, auth: SeatAuth | SpectatorAuth | null): string {
  const parsed = joinOptions.safeParse(auth ? { name: auth.name } : (options ?? {}));
  if (!parsed.success) throw joinError("INVALID_OPTIONS", describeIssue(parsed.error));
  return parsed.data.name;
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
