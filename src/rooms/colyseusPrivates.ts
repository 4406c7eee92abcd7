/**
 * The one place that reaches into Colyseus's private Room members (checked against @colyseus/core
 * 0.18.17, src/Room.ts; look again when it changes). Colyseus 0.18 has no hook before a seat
 * reservation or before a message's flood count, and no public view of its reserved seats or of
 * the reconnections it holds: the room needs all four (admission.ts, handover.ts, GameRoom.ts).
 */
import type { Client, ClientPrivate, Room } from "@colyseus/core";

/** Colyseus's reserved seats, by sessionId: [join options, auth data, consumed, waiting for a reconnection]. */
export type ReservedSeats = Record<string, [joinOptions: unknown, authData?: unknown, ...rest: unknown[]] | undefined>;

/** Colyseus's reconnections held open: reconnectionToken -> [sessionId, deferred]. */
export type Reconnections = Record<string, [sessionId: string, deferred: { reject(reason?: unknown): void }]>;

/** Colyseus's Room._reserveSeat, which the matchmaker, allowReconnection and a rejoin call. */
export type ReserveSeat = (sessionId: string, joinOptions?: unknown, authData?: unknown, seconds?: number, allowReconnection?: boolean, ...rest: unknown[]) => Promise<boolean>;

/** The private members of Colyseus's Room read or wrapped here (TypeScript hides them from subclasses). */
interface RoomPrivates {
  _reservedSeats: ReservedSeats;
  _reconnections: Reconnections;
  _reserveSeat: ReserveSeat;
  /** Bound per client at join; counts the message against maxMessagesPerSecond, then dispatches it. */
  _onMessage: (client: Client, buffer: Buffer) => unknown;
}

function privates(room: Room): RoomPrivates {
  return room as unknown as RoomPrivates;
}

export function reservedSeats(room: Room): ReservedSeats {
  return privates(room)._reservedSeats;
}

export function reconnections(room: Room): Reconnections {
  return privates(room)._reconnections;
}

/** Reserves a seat for this sessionId, through whatever wraps the reservation (gateSeatReservations). */
export function reserveSeat(room: Room, sessionId: string, joinOptions: unknown): Promise<boolean> {
  return privates(room)._reserveSeat.call(room, sessionId, joinOptions);
}

/** Puts `gate` before every seat reservation of the room; it decides whether to call Colyseus's own. */
export function gateSeatReservations(room: Room, gate: (reserve: ReserveSeat) => ReserveSeat) {
  const own = privates(room);
  own._reserveSeat = gate(own._reserveSeat.bind(room));
}

/**
 * Colyseus counts a client's messages per second against the room clock's current time, which
 * only a tick moves: without the patch timer, each message ticks the clock before it is counted.
 */
export function tickClockOnMessages(room: Room) {
  const own = privates(room);
  const onMessage = own._onMessage;
  own._onMessage = (client: Client, buffer: Buffer) => {
    room.clock.tick();
    return onMessage.call(room, client, buffer);
  };
}

/** How many messages the client sent in the last second, by Colyseus's flood count. */
export function messagesLastSecond(client: Client): number {
  return (client as Client & ClientPrivate)._numMessagesLastSecond ?? 0;
}
