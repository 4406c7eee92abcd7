/**
 * Quick play (`client.joinOrCreate("game", options)`) without the herd.
 *
 * Colyseus's joinOrCreate finds one available room (the first of the room cache), reserves a seat
 * there, and when that seat is gone (the room filled or started meanwhile) sleeps a random 0-400 ms
 * x 2^n and starts over, up to five times: in a burst every quick player picks the same room, the
 * losers sleep, and some run out of retries (523 "... is already full"). Here a lost seat sends the
 * player at once to the next open room: rooms of this process first (a reservation there is a call,
 * not a round trip through Redis), fullest first (so rooms fill instead of holding one player
 * each), skipping the rooms that refused. Only when no open room is left is one created, and
 * creation is shared: the quick players of one process that find nothing wait for the room being
 * created (as many as it has seats; the next ones start the next room) instead of each creating
 * one. The work is bounded (PASSES queries); a player who still has no seat gets the error Colyseus
 * would have answered.
 *
 * The rest is Colyseus's: the room's static onAuth (called as Colyseus calls it), the handler's
 * filter options, `reserveSeatFor`, `createRoom`, and a created room is published on the channel
 * Colyseus's own joinOrCreate waits on, so a concurrent Colyseus joinOrCreate of another process
 * (one not routed through here) takes it rather than creating its own.
 */
import { type AuthContext, ErrorCode, type IRoomCache, ServerError, matchMaker } from "@colyseus/core";
import { SeatReservationError } from "@colyseus/core/errors/SeatReservationError";
import { getLockId } from "@colyseus/core/matchmaker/driver";
import { debugError } from "@colyseus/core/Debug";

type ClientOptions = Record<string, unknown>;
type ISeatReservation = matchMaker.ISeatReservation;

/** Queries of the open rooms a quick player may make before giving up (Colyseus: 6 tries, with sleeps). */
export const PASSES = 6;
/** Reservations tried per query, at most: past them a new room is as good as an old one. */
export const TRIES_PER_PASS = 10;

/** A room being created for the quick players of this process with these filters. */
interface Creation {
  room: Promise<IRoomCache>;
  /** Quick players waiting on it, its creator included. */
  claimed: number;
  /** Of them, the ones it seated. */
  seated: number;
  /** The quick play that started it, with its options. */
  by: object;
}

/** Rooms being created, per room name and filter (getLockId). */
const creations = new Map<string, Creation[]>();
/**
 * How many of its quick players the last room created per room name and filter seated before it
 * refused one: how many one creation serves. Learnt, not read from maxClients, which may count
 * places that are not seats (spectators).
 */
const seatsPerRoom = new Map<string, number>();

/**
 * Routes `joinOrCreate` of `roomName` through quick play; every other method and room goes to
 * Colyseus as before. Installed once per process (the controller is Colyseus's module singleton),
 * before the hooks that must run first (the origin check wraps this one).
 */
export function routeQuickPlay(roomName: string) {
  const controller = matchMaker.controller as typeof matchMaker.controller & { __quickPlay?: Set<string> };
  if (controller.__quickPlay) {
    controller.__quickPlay.add(roomName);
    return;
  }
  const routed = new Set([roomName]);
  controller.__quickPlay = routed;
  const invoke = controller.invokeMethod.bind(controller);
  controller.invokeMethod = async (method, name, clientOptions = {}, authOptions?: AuthContext) => {
    if (method !== "joinOrCreate" || !routed.has(name)) return invoke(method, name, clientOptions, authOptions);
    try {
      return await quickPlay(name, clientOptions, authOptions);
    } catch (e) {
      // as the controller answers Colyseus's own joinOrCreate
      const err = e as { code?: number; message?: string };
      debugError(e);
      throw new ServerError(err.code || ErrorCode.MATCHMAKE_UNHANDLED, err.message);
    }
  };
}

/** A seat for a quick player: in the fullest open room that still has one, else in a new room. */
export async function quickPlay(roomName: string, clientOptions: ClientOptions = {}, authContext?: AuthContext): Promise<ISeatReservation> {
  const authData = await callOnAuth(roomName, clientOptions, authContext);
  const handler = matchMaker.getHandler(roomName);
  const filters = handler.getFilterOptions(clientOptions);
  const key = `${roomName}:${getLockId(filters)}`;
  const refused = new Set<string>();
  /** This quick play, as the starter of a creation. */
  const me = {};
  let lost: SeatReservationError | undefined;

  const tryRoom = async (room: IRoomCache): Promise<ISeatReservation | null> => {
    // Colyseus reserves a seat in a locked room that has one; a room of this process that locked
    // (its game started) after the listing was read is skipped here instead
    if (matchMaker.getLocalRoomById(room.roomId)?.locked) {
      refused.add(room.roomId);
      return null;
    }
    try {
      return await matchMaker.reserveSeatFor(room, clientOptions, authData);
    } catch (e) {
      if (!(e instanceof SeatReservationError)) throw e;
      refused.add(room.roomId);
      lost = e;
      return null;
    }
  };

  for (let pass = 0; pass < PASSES; pass++) {
    const open = await matchMaker.query({ name: roomName, locked: false, private: false, ...filters }, handler.sortOptions);
    for (const room of candidates(open, refused).slice(0, TRIES_PER_PASS)) {
      const seat = await tryRoom(room);
      if (seat) return seat;
    }
    const creation = sharedCreation(key, roomName, clientOptions, handler.name, getLockId(filters), me);
    let created: IRoomCache;
    try {
      created = await creation.room;
    } catch (e) {
      // ours is refused as Colyseus refuses it; another player's (their options, say): try again, with ours
      if (creation.by === me) throw e;
      continue;
    }
    if (refused.has(created.roomId)) continue;
    const seat = await tryRoom(created);
    if (seat) {
      creation.seated++;
      return seat;
    }
    await learnSeats(key, created, creation);
  }
  throw lost ?? new SeatReservationError(`no seat found in a "${roomName}" room.`);
}

/**
 * The open rooms worth a reservation, in the order to try them: this process's first, then the
 * fullest (the listing's `clients` counts reserved seats too), without the ones that refused.
 */
export function candidates(open: IRoomCache[], refused: ReadonlySet<string>, localProcessId = matchMaker.processId): IRoomCache[] {
  return open
    .filter((room) => !refused.has(room.roomId) && room.clients < room.maxClients)
    .sort((a, b) => Number(b.processId === localProcessId) - Number(a.processId === localProcessId) || b.clients - a.clients);
}

/**
 * A room created for quick players refused one: it seated as many as its listing counts now (the
 * claimants whose reservations are still on their way included, which `seated` does not count yet).
 */
async function learnSeats(key: string, created: IRoomCache, creation: Creation) {
  const listed = (await matchMaker.findRoomsByIds([created.roomId])).get(created.roomId)?.clients ?? 0;
  const seats = Math.max(listed, creation.seated);
  if (seats > 0) seatsPerRoom.set(key, seats);
}

/**
 * The room this quick player waits for: one being created for this filter that still has a seat
 * for it, else a new one. A creation serves as many quick players as the last one seated (every
 * one of them, while that is not known yet).
 */
function sharedCreation(key: string, roomName: string, clientOptions: ClientOptions, handlerName: string, lockId: string, by: object): Creation {
  const pending = creations.get(key) ?? [];
  const seats = seatsPerRoom.get(key) ?? Number.POSITIVE_INFINITY;
  const joinable = pending.find((c) => c.claimed < seats);
  if (joinable) {
    joinable.claimed++;
    return joinable;
  }
  const creation: Creation = { room: createAndPublish(roomName, clientOptions, handlerName, lockId), claimed: 1, seated: 0, by };
  creations.set(key, [...pending, creation]);
  // once created, the room is listed: later quick players find it by the query
  const done = () => {
    const left = (creations.get(key) ?? []).filter((c) => c !== creation);
    if (left.length) creations.set(key, left);
    else creations.delete(key);
  };
  creation.room.then(done, done);
  return creation;
}

async function createAndPublish(roomName: string, clientOptions: ClientOptions, handlerName: string, lockId: string): Promise<IRoomCache> {
  const room = await matchMaker.createRoom(roomName, clientOptions);
  // the channel Colyseus's joinOrCreate of another process waits on (concurrentJoinOrCreateRoomLock, MatchMaker.ts)
  matchMaker.presence.publish(`concurrent:${handlerName}:${lockId}`, room.roomId);
  return room;
}

/**
 * The room's static onAuth, as Colyseus's callOnAuth (MatchMaker.ts, not exported) calls it: not
 * for a server-side join (no auth context), and a falsy answer is AUTH_FAILED; `true` gives no
 * auth data, anything else is the seat's auth data.
 */
async function callOnAuth(roomName: string, clientOptions: ClientOptions, authContext?: AuthContext): Promise<unknown> {
  const roomClass = matchMaker.getRoomClass(roomName) as unknown as { onAuth?: (token: string | undefined, options: unknown, context: AuthContext) => unknown };
  const onAuth = roomClass?.onAuth;
  if (!onAuth || !authContext) return undefined;
  const result = await onAuth(authContext.token, clientOptions, authContext);
  if (result === false || result === null || result === undefined) throw new ServerError(ErrorCode.AUTH_FAILED, "onAuth failed");
  return result === true ? undefined : result;
}
