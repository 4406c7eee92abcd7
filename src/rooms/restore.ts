/**
 * Restores rooms whose process is gone: claims each one atomically in the store (of processes
 * restoring the same room at once, exactly one wins), replays its log, and creates it again on this
 * process with the same roomId, so its code, its seats and its state are what they were.
 */
import { matchMaker } from "@colyseus/core";
import { replay } from "../match/match.ts";
import type { LogEntry } from "../match/log.ts";
import type { Metrics } from "../metrics.ts";
import type { Store } from "../store/types.ts";
import { restoring } from "./GameRoom.ts";

const stopping = () => matchMaker.state === matchMaker.MatchMakerState.SHUTTING_DOWN;

/** Rooms restored at once by a scan. */
const RESTORE_CONCURRENCY = 8;
/** Codes whose room this process has seen here (a bound, not a working-set size: they cost ~100 bytes each). */
const MAX_REMEMBERED_CODES = 100_000;

export class Restorer {
  private scanning: Promise<number> | null = null;
  private readonly attempts = new Map<string, Promise<boolean>>();
  private readonly codes = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly roomName: string,
    /** Where clients reach this process (PUBLIC_ADDRESS or host:port): rooms left on it by a predecessor are orphans. */
    private readonly address: string,
    private readonly log: (line: string) => void,
    private readonly metrics?: Pick<Metrics, "restored">,
  ) {}

  private rechecks: NodeJS.Timeout[] = [];

  /**
   * The process the room came from may still be disposing its copy, and Colyseus then removes the
   * room's listing by roomId from the shared cache, ours included: a few looks over the next
   * seconds put back whatever listing of ours went missing.
   */
  private recheckListings() {
    for (const timer of this.rechecks) clearTimeout(timer);
    this.rechecks = [1000, 3000, 6000].map((ms) => {
      const timer = setTimeout(() => matchMaker.restoreMissingRoomCaches().catch(() => {}), ms);
      timer.unref();
      return timer;
    });
  }

  /** Restores every orphaned room this process can claim; returns how many it restored. One scan at a time. */
  restoreOrphans(): Promise<number> {
    this.scanning ??= this.scan().finally(() => (this.scanning = null));
    return this.scanning;
  }

  private async scan(): Promise<number> {
    if (!this.store.logs.durable || stopping()) return 0;
    const startedAt = performance.now();
    const orphans = (await this.store.codes.orphans(this.address)).filter((o) => o.processId !== matchMaker.processId);
    let restored = 0;
    // a few at a time: each is a claim, a read and a create, mostly waiting on the database
    const workers = Array.from({ length: Math.min(RESTORE_CONCURRENCY, orphans.length) }, async () => {
      for (let orphan = orphans.shift(); orphan; orphan = orphans.shift()) {
        if (await this.restore(orphan.roomId, orphan.processId)) restored++;
      }
    });
    await Promise.all(workers);
    if (restored > 0) this.log(`restored ${restored} room(s) of stopped processes in ${Math.round(performance.now() - startedAt)} ms`);
    return restored;
  }

  /** The room of a code, when it runs on this process: a rejoin for it needs no database read. */
  localRoomOf(code: string): string | null {
    const roomId = this.codes.get(code);
    if (roomId && matchMaker.getLocalRoomById(roomId)) return roomId;
    if (roomId) this.codes.delete(code);
    return null;
  }

  /** Remembers where a code's room runs, once a look-up or a restore has told. */
  remember(code: string, roomId: string) {
    if (this.codes.size >= MAX_REMEMBERED_CODES) this.codes.delete(this.codes.keys().next().value!);
    this.codes.set(code, roomId);
  }

  /**
   * Claims a room from `from` ("" = handed over) and runs it here; false when another process got it.
   * Concurrent calls for one room (the scan, and rejoins of its players) share one attempt.
   */
  restore(roomId: string, from: string): Promise<boolean> {
    let attempt = this.attempts.get(roomId);
    if (!attempt) {
      attempt = this.attempt(roomId, from).finally(() => this.attempts.delete(roomId));
      this.attempts.set(roomId, attempt);
    }
    return attempt;
  }

  private async attempt(roomId: string, from: string): Promise<boolean> {
    if (matchMaker.getLocalRoomById(roomId)) return true;
    // a stopping process hands rooms over; it must not take them (back)
    if (stopping()) return false;
    if (!(await this.store.codes.claim(roomId, from, matchMaker.processId))) return false;
    try {
      const records = await this.store.logs.read(roomId);
      const match = replay(records.map((r) => r.entry as LogEntry));
      restoring.set(roomId, match);
      this.remember(match.code, roomId);
      // the stopped process's listing may still be in a shared room cache
      await matchMaker.driver.remove(roomId);
      await matchMaker.handleCreateRoom(this.roomName, {}, undefined, roomId);
      this.metrics?.restored();
      this.recheckListings();
      return true;
    } catch (e) {
      restoring.delete(roomId);
      this.log(`could not restore room ${roomId}: ${(e as Error).stack ?? (e as Error).message}`);
      return false;
    }
  }
}
