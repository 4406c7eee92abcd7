/**
 * Remembers the last accepted opIds of each player with the seq they were acknowledged at, so a
 * repeated opId (a client retrying after a timeout or a reconnect) gets the original ack instead of
 * being applied twice. Bounded per player.
 */
export class OpLog {
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(private readonly perPlayer = 256) {}

  lookup(playerId: string, opId: string): number | undefined {
    return this.seen.get(playerId)?.get(opId);
  }

  remember(playerId: string, opId: string, seq: number) {
    let ops = this.seen.get(playerId);
    if (!ops) {
      ops = new Map();
      this.seen.set(playerId, ops);
    }
    ops.set(opId, seq);
    if (ops.size > this.perPlayer) ops.delete(ops.keys().next().value as string);
  }

  forget(playerId: string) {
    this.seen.delete(playerId);
  }
}
