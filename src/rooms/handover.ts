/**
 * Seat handover: how a seated player's seat passes from one connection to another. A rejoin by
 * seat token (POST /rooms/:code/rejoin), a join of the same identity into a room that refuses joins
 * (a takeover from a second device), and the first device letting go of the seat. The room owns
 * the connections; this module decides which of them holds a seat and reserves it with Colyseus.
 */
import type { Client } from "@colyseus/core";
import { CLOSE_TAKEN_OVER } from "../messages/contract.ts";
import { seatOfIdentity, seatOfToken, type Match, type SeatState } from "../match/match.ts";
import type { SeatAuth } from "./admission.ts";
import { hashSeatToken, type RejoinAnswer } from "./seats.ts";

/** How long a device taking over a connected seat waits for the old connection to let go of it. */
const TAKEOVER_WAIT_MS = 3000;

/** What the handover needs of its room: the match, the connections, and Colyseus's seat reservations. */
export interface SeatedRoom {
  readonly match: Match | undefined;
  readonly clients: readonly Client[];
  /** Seated sessionIds with a live connection. */
  readonly connected: Set<string>;
  /** Seat tokens to send again after a reconnect, by sessionId. */
  readonly seatTokens: Map<string, string>;
  readonly handingOver: boolean;
  /** Player tokens on: a seat taken with an identity is that identity's. */
  readonly tokensRequired: boolean;
  /** Colyseus's reconnections held open: reconnectionToken -> [sessionId, deferred]. */
  readonly reconnections: Record<string, [string, { reject(reason?: unknown): void }]>;
  /** Colyseus's reserved seats, by sessionId: [options, authData, ...]. */
  readonly reservedSeats: Record<string, [unknown, SeatAuth | undefined] | undefined>;
  /** Reserves the seat of this sessionId with Colyseus (a rejoin consumes it). */
  reserveSeat(sessionId: string): Promise<boolean>;
  /** Holds a dropped connection's seat for its reconnection window (the room shows the change). */
  holdSeat(client: Client): void;
}

export class SeatHandover {
  /** Connections closed because another device of the same player took their seat. */
  private readonly takenOver = new WeakSet<Client>();
  /** Takeovers waiting for the old connection's drop to hold the seat: sessionId -> its reconnection token. */
  private readonly takeovers = new Map<string, (reconnectionToken: string) => void>();

  constructor(private readonly room: SeatedRoom) {}

  /**
   * Checks the seat token (and, with player tokens on, that the seat is the caller's identity's) and
   * reserves the player's own seat (same sessionId).
   */
  async prepareRejoin(seatToken: string, identity?: string): Promise<RejoinAnswer> {
    const seat = seatOfToken(this.room.match!, hashSeatToken(String(seatToken)));
    if (!seat) return { ok: false, code: "INVALID_SEAT_TOKEN", message: "This seat token does not belong to a seat in this room." };
    if (seat.identity !== null && this.room.tokensRequired && seat.identity !== identity) {
      return { ok: false, code: "WRONG_PLAYER", message: "This seat belongs to another player: rejoin with the player token it was taken with." };
    }
    const answer = await this.reserveOwnSeat(seat, false);
    if (answer.ok) this.room.seatTokens.set(seat.id, String(seatToken));
    return answer;
  }

  /**
   * A join of an identity that has a seat here, into a room that refuses joins (started or full):
   * the seat is reserved for it, and a device connected to it now is closed (CLOSE_TAKEN_OVER) and
   * its seat held for the new one. Refused (INVALID_SEAT_TOKEN) when the identity has no seat here.
   */
  async prepareTakeover(identity: string): Promise<RejoinAnswer> {
    const seat = seatOfIdentity(this.room.match!, String(identity));
    if (!seat) return { ok: false, code: "INVALID_SEAT_TOKEN", message: "You have no seat in this room." };
    return this.reserveOwnSeat(seat, true);
  }

  /** The identity a connection to this sessionId must carry: its seat's, or its reservation's; null = any. */
  identityOf(sessionId: string): string | null {
    const seat = this.room.match?.players.find((p) => p.id === sessionId);
    if (seat) return seat.identity;
    return this.room.reservedSeats[sessionId]?.[1]?.identity ?? null;
  }

  /**
   * The seat's other connection (the player's first device) is closed with CLOSE_TAKEN_OVER, and a
   * reconnection it held open is given up: this connection plays the seat now.
   */
  replaceOtherConnections(client: Client) {
    for (const other of this.room.clients) {
      if (other === client || other.sessionId !== client.sessionId) continue;
      this.takenOver.add(other);
      other.leave(CLOSE_TAKEN_OVER, "Your seat was taken over by another device.");
    }
    const held = Object.values(this.room.reconnections).find(([sessionId]) => sessionId === client.sessionId);
    held?.[1].reject(false);
  }

  /** Whether this connection was closed because another device took its seat. */
  wasTakenOver(client: Client): boolean {
    return this.takenOver.has(client);
  }

  /**
   * A connection taken over by another device: if that device is already seated there is nothing to
   * do; else (a takeover through prepareTakeover) the seat is held for it as for a dropped player.
   */
  letGo(client: Client) {
    if (this.room.clients.some((c) => c.sessionId === client.sessionId)) return;
    this.room.holdSeat(client);
    this.takeovers.get(client.sessionId)?.(client.reconnectionToken);
  }

  /** A reservation of a seated player's own seat (same sessionId), or why not; `takeOver` closes a live connection to it. */
  private async reserveOwnSeat(seat: SeatState, takeOver: boolean): Promise<RejoinAnswer> {
    if (seat.left) return { ok: false, code: "SEAT_LEFT", message: "This player left the game and cannot come back." };
    if (this.room.handingOver) return { ok: false, code: "UNAVAILABLE", message: "The room is moving to another server; try again in a moment." };
    // within the reconnection window Colyseus holds the seat: the rejoin is a reconnect
    const pending = this.heldReconnection(seat.id);
    if (pending) return { ok: true, sessionId: seat.id, reconnectionToken: pending };
    if (this.room.connected.has(seat.id)) {
      if (!takeOver) return { ok: false, code: "SEAT_IN_USE", message: "This seat is connected right now (another tab?)." };
      const reconnectionToken = await this.takeOver(seat.id);
      if (reconnectionToken) return { ok: true, sessionId: seat.id, reconnectionToken };
      return { ok: false, code: "UNAVAILABLE", message: "The room cannot hand the seat over right now; try again in a moment." };
    }
    const reserved = await this.room.reserveSeat(seat.id);
    if (!reserved) return { ok: false, code: "UNAVAILABLE", message: "The room cannot take the seat back right now; try again in a moment." };
    return { ok: true, sessionId: seat.id };
  }

  /** The reconnection token of a seat Colyseus holds for a dropped connection, if it does. */
  private heldReconnection(sessionId: string): string | undefined {
    return Object.entries(this.room.reconnections).find(([, [id]]) => id === sessionId)?.[0];
  }

  /** Closes the seat's live connection (CLOSE_TAKEN_OVER); its drop holds the seat (letGo), whose reconnection token this answers. */
  private async takeOver(sessionId: string): Promise<string | null> {
    const live = this.room.clients.find((c) => c.sessionId === sessionId);
    if (!live) return this.heldReconnection(sessionId) ?? null;
    const held = new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), TAKEOVER_WAIT_MS);
      this.takeovers.set(sessionId, (token) => {
        clearTimeout(timer);
        resolve(token);
      });
    });
    this.takenOver.add(live);
    live.leave(CLOSE_TAKEN_OVER, "Your seat was taken over by another device.");
    // a device that does not answer the close (its network is gone) is cut, so its drop comes now
    const cut = setTimeout(() => (live.ref as { terminate?: () => void }).terminate?.(), TAKEOVER_WAIT_MS / 2);
    try {
      return await held;
    } finally {
      clearTimeout(cut);
      this.takeovers.delete(sessionId);
    }
  }
}
