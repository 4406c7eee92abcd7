/**
 * Puts this process back into a shared room cache that forgot it. When Redis restarts empty (or is
 * flushed), every listing (`roomcaches`) and every process's stats (`roomcount`) are gone while the
 * rooms still run: nobody could list, find by code, join or reconnect to them. Pub/sub comes back
 * by itself (RedisPresence subscribes again on every reconnect); the data does not, and Colyseus
 * restores missing listings only when a peer swept this process (its `swept:` receipt), which an
 * empty Redis does not hold either.
 *
 * So each process keeps a marker key of its own in presence and looks for it every couple of
 * seconds (one EXISTS). Only this process writes it, so a missing marker means Redis lost this
 * process's data: the process registers its stats again, records every local room that has no
 * listing (Colyseus's restoreMissingRoomCaches), and tells the lobby rooms about its rooms. Each
 * tick also keeps a failed read of the room cache from being handed out again (roomCacheReads.ts).
 */
import { LocalPresence, matchMaker, updateLobby } from "@colyseus/core";
import { forgetFailedRoomCacheReads } from "./roomCacheReads.ts";

/** How often the marker is looked for: a lost listing is back within this (plus Redis's reconnect). */
const CHECK_INTERVAL_MS = 2000;
/** The marker expires with its process; refreshed well before that. */
const MARKER_TTL_SECONDS = 60;
const MARKER_REFRESH_MS = (MARKER_TTL_SECONDS * 1000) / 3;

export class Relister {
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<number | null> | null = null;
  private markedAt = 0;
  private unreachable = false;
  /** A repair that failed half-way is done again, marker or not. */
  private repairPending = false;

  constructor(private readonly log: (line: string) => void) {}

  private get marker(): string {
    return `boardroom:listed:${matchMaker.processId}`;
  }

  /** After the matchmaker is ready: marks this process as recorded, then checks periodically. */
  async start() {
    // a process of its own (no REDIS_URL) cannot lose its listings
    if (matchMaker.presence instanceof LocalPresence) return;
    await this.mark();
    this.timer = setInterval(() => {
      forgetFailedRoomCacheReads(matchMaker.driver);
      void this.check();
    }, CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops checking; the marker expires by itself (presence is already closed at a graceful stop). */
  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * One look at the marker, one at a time: null when it is there (nothing was lost), else the
   * number of this process's rooms recorded again.
   */
  check(): Promise<number | null> {
    this.checking ??= this.lookAndRepair().finally(() => (this.checking = null));
    return this.checking;
  }

  private async lookAndRepair(): Promise<number | null> {
    if (matchMaker.state !== matchMaker.MatchMakerState.READY) return null;
    try {
      if (this.repairPending || !(await matchMaker.presence.exists(this.marker))) return await this.repair();
      this.answered();
      if (Date.now() - this.markedAt > MARKER_REFRESH_MS) await this.mark();
      return null;
    } catch (e) {
      if (!this.unreachable) this.log(`shared room cache (Redis) unreachable: ${(e as Error).message}; this process's rooms are listed again once it is back`);
      this.unreachable = true;
      return null;
    }
  }

  private answered() {
    if (this.unreachable) this.log("shared room cache (Redis) answers again");
    this.unreachable = false;
  }

  /** Marker first: if Redis is lost again during the repair, the next check repairs again. */
  private async repair(): Promise<number> {
    this.repairPending = true;
    await this.mark();
    await matchMaker.stats.persist(true);
    await matchMaker.restoreMissingRoomCaches();
    const listed = await matchMaker.query({ processId: matchMaker.processId });
    // lobby rooms missed every change while Redis was away, and one made since lists nothing
    for (const { roomId } of listed) {
      const room = matchMaker.getLocalRoomById(roomId);
      if (room) updateLobby(room);
    }
    this.repairPending = false;
    this.answered();
    this.log(`shared room cache (Redis) had lost this process: registered it again, ${listed.length} room(s) listed`);
    return listed.length;
  }

  private async mark() {
    await matchMaker.presence.setex(this.marker, "1", MARKER_TTL_SECONDS);
    this.markedAt = Date.now();
  }
}
