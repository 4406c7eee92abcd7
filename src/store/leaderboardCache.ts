/**
 * The leaderboard's answers kept in this process: GET /leaderboard reads every finished match of its
 * period and GET /players/:name/matches every match of a player (0.5-2.8 s at 20,000 matches on
 * MariaDB), so each answer (per period and limit, per name and limit) is kept for
 * LEADERBOARD_CACHE_SECONDS, requests for the same answer while its query runs share that one query,
 * and every answer is dropped when this process records a finished match: a player who just finished
 * a game sees it on their next request. Matches recorded by other processes show once the answer
 * is older than LEADERBOARD_CACHE_SECONDS. A MatchStore over a MatchStore: everything else passes
 * through.
 */
import type { LeaderboardEntry, LeaderboardPeriod, PlayerMatch } from "./leaderboard.ts";
import type { MatchLogLink, MatchRecord, MatchStore, MatchSummary, Store } from "./types.ts";

/** At most this many answers are kept (names are the client's choice); the oldest go first. */
export const LEADERBOARD_ANSWERS_KEPT = 1000;

/** How the answers were made: a query of the store, an answer kept, a query that was running already. */
export interface LeaderboardCacheStats {
  queries: number;
  cached: number;
  shared: number;
}

interface Kept {
  /** The query while it runs; then its answer until `expiresAt` (performance.now()). */
  answer: Promise<unknown>;
  running: boolean;
  expiresAt: number;
}

export class LeaderboardCache implements MatchStore {
  readonly stats: LeaderboardCacheStats = { queries: 0, cached: 0, shared: 0 };
  private readonly kept = new Map<string, Kept>();

  /** `ttlMs` 0: no answer is kept, but requests still share a query that is running. */
  constructor(
    private readonly matches: MatchStore,
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async record(match: MatchRecord): Promise<number> {
    try {
      return await this.matches.record(match);
    } finally {
      // also after a failure: a write that timed out may have landed
      this.invalidate();
    }
  }

  recent(limit: number): Promise<MatchSummary[]> {
    return this.matches.recent(limit);
  }

  logLink(id: number): Promise<MatchLogLink | null> {
    return this.matches.logLink(id);
  }

  leaderboard(period: LeaderboardPeriod, limit: number): Promise<LeaderboardEntry[]> {
    return this.answer(`leaderboard ${period} ${limit}`, () => this.matches.leaderboard(period, limit));
  }

  playerMatches(name: string, limit: number): Promise<PlayerMatch[]> {
    return this.answer(`player ${limit} ${name}`, () => this.matches.playerMatches(name, limit));
  }

  /**
   * Drops every answer, and every query running now: they may have read the store before the
   * change, so the next request queries again (a query running meanwhile still answers the requests
   * that joined it, and is not kept).
   */
  invalidate() {
    this.kept.clear();
  }

  private answer<T>(key: string, query: () => Promise<T>): Promise<T> {
    const kept = this.kept.get(key);
    if (kept?.running) {
      this.stats.shared++;
      return kept.answer as Promise<T>;
    }
    // expiry counts from the query's start: an answer is never older than the ttl
    const startedAt = this.now();
    if (kept && kept.expiresAt > startedAt) {
      this.stats.cached++;
      return kept.answer as Promise<T>;
    }
    this.kept.delete(key);
    this.stats.queries++;
    const entry: Kept = { answer: query(), running: true, expiresAt: startedAt + this.ttlMs };
    entry.answer.then(
      () => {
        entry.running = false;
        // not kept: dropped meanwhile (a match was recorded, or the map was full), or a ttl of 0
        if (this.kept.get(key) === entry && this.ttlMs <= 0) this.kept.delete(key);
      },
      // a failure is never kept; the requests that shared the query get it
      () => {
        if (this.kept.get(key) === entry) this.kept.delete(key);
      },
    );
    this.kept.set(key, entry);
    while (this.kept.size > LEADERBOARD_ANSWERS_KEPT) this.kept.delete(this.kept.keys().next().value!);
    return entry.answer as Promise<T>;
  }
}

/** `store` with its matches behind `cache`: what the rooms record through and the routes read. */
export function withLeaderboardCache(store: Store, cache: LeaderboardCache): Store {
  return {
    kind: store.kind,
    codes: store.codes,
    logs: store.logs,
    matches: cache,
    init: () => store.init(),
    health: () => store.health(),
    close: () => store.close(),
  };
}
