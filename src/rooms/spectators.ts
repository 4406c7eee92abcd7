/**
 * The spectators of a room: connections that watch without a seat. They get the same state,
 * patches and events as the players, are never in the match (no log entry, no timer, no seat
 * token), and are counted apart from the seats, although Colyseus counts every connection against
 * the room's one maxClients (see admission.ts).
 */

export class Spectators {
  /** sessionId -> the name the spectator's chat lines carry. */
  private readonly names = new Map<string, string>();

  get size(): number {
    return this.names.size;
  }

  has(sessionId: string): boolean {
    return this.names.has(sessionId);
  }

  nameOf(sessionId: string): string | undefined {
    return this.names.get(sessionId);
  }

  add(sessionId: string, name: string) {
    this.names.set(sessionId, name);
  }

  /** True when this connection was a spectator's. */
  remove(sessionId: string): boolean {
    return this.names.delete(sessionId);
  }
}
