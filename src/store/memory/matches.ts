/**
 * Finished matches kept in memory: the same answers as the MySQL store, including what it refuses
 * (the checks below are the constraints of migrations/002_matches.sql) and how it ranks players.
 */
import { memoryLeaderboard, memoryPlayerMatches } from "./leaderboard.ts";
import type { LeaderboardEntry, LeaderboardPeriod, PlayerMatch } from "../leaderboard.ts";
import type { MatchLogLink, MatchRecord, MatchStore, MatchSummary, PlayerResult } from "../types.ts";

interface StoredMatch {
  id: number;
  key: string;
  endedAtMs: number;
  summary: Omit<MatchSummary, "players">;
  players: PlayerResult[];
  link: MatchLogLink;
}

const MAX_SEED = 2 ** 32 - 1;

/** Why MySQL would refuse this record, or null. */
function violation(match: MatchRecord): string | null {
  if (!Number.isInteger(match.seed) || match.seed < 0 || match.seed > MAX_SEED) return `seed ${match.seed} is not an unsigned 32-bit integer`;
  const distinct = (values: unknown[]) => new Set(values).size === values.length;
  if (!distinct(match.players.map((p) => p.seat))) return "two players share a seat";
  if (!distinct(match.players.map((p) => p.rank))) return "two players share a rank";
  const orders = match.players.map((p) => p.bankruptOrder).filter((o) => o !== null);
  if (!distinct(orders)) return "two players share a bankruptcy order";
  for (const p of match.players) {
    if (p.rank < 1) return `${p.name} has rank ${p.rank}`;
    if (p.identity !== undefined && p.identity !== null && p.identity.length > 255) return `${p.name} has an identity longer than 255 characters`;
    if (p.bankrupt !== (p.bankruptOrder !== null)) return `${p.name} has a bankruptcy order only a bankrupt player may have`;
    if (p.bankruptOrder !== null && p.bankruptOrder < 1) return `${p.name} has bankruptcy order ${p.bankruptOrder}`;
  }
  return null;
}

/** The rules' ranking, as the SQL window orders it: standing by net worth then seat, then the bankrupt, last to fall first. */
function byRank(a: PlayerResult, b: PlayerResult): number {
  return (
    Number(a.bankrupt) - Number(b.bankrupt) ||
    (a.bankrupt ? 0 : b.netWorth - a.netWorth) ||
    (b.bankruptOrder ?? 0) - (a.bankruptOrder ?? 0) ||
    a.seat - b.seat
  );
}

/** The in-memory store keeps this many of the latest matches (GET /matches/recent shows at most 50). */
export const MEMORY_MATCHES_KEPT = 1000;

export class MemoryMatches implements MatchStore {
  private readonly matches: StoredMatch[] = [];
  private readonly idsByKey = new Map<string, number>();
  private lastId = 0;

  constructor(private readonly kept = MEMORY_MATCHES_KEPT) {}

  async record(match: MatchRecord): Promise<number> {
    // as in MySQL, a recorded key answers before anything else is looked at
    const recorded = this.idsByKey.get(match.key);
    if (recorded !== undefined) return recorded;
    const problem = violation(match);
    if (problem) throw new Error(`match not recorded: ${problem}`);
    const startedAt = match.startedAt.toISOString();
    const endedAt = match.endedAt.toISOString();
    const id = ++this.lastId;
    this.idsByKey.set(match.key, id);
    this.matches.push({
      id,
      key: match.key,
      endedAtMs: match.endedAt.getTime(),
      summary: {
        id,
        code: match.code,
        seed: match.seed,
        startedAt,
        endedAt,
        rounds: match.rounds,
        endReason: match.endReason,
        winner: match.winnerName,
      },
      players: match.players.map((p) => ({ ...p })),
      link: { id, roomId: match.roomId, seed: match.seed, logLastN: match.logLastN ?? null, finalHash: match.finalHash ?? null },
    });
    if (this.matches.length > this.kept) {
      this.matches.sort((a, b) => a.endedAtMs - b.endedAtMs || a.id - b.id);
      // a dropped match's key goes with it: the store stays bounded
      for (const dropped of this.matches.splice(0, this.matches.length - this.kept)) this.idsByKey.delete(dropped.key);
    }
    return id;
  }

  async leaderboard(period: LeaderboardPeriod, limit: number): Promise<LeaderboardEntry[]> {
    return memoryLeaderboard(this.matches, byRank, period, limit);
  }

  async playerMatches(name: string, limit: number): Promise<PlayerMatch[]> {
    return memoryPlayerMatches(this.matches, byRank, name, limit);
  }

  async recent(limit: number): Promise<MatchSummary[]> {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
    return [...this.matches]
      .sort((a, b) => b.endedAtMs - a.endedAtMs || b.id - a.id)
      .slice(0, limit)
      .map((m) => ({
        ...m.summary,
        players: [...m.players].sort(byRank).map((p, i) => ({
          rank: i + 1,
          name: p.name,
          seat: p.seat,
          finalMoney: p.finalMoney,
          netWorth: p.netWorth,
          bankrupt: p.bankrupt,
          identity: p.identity ?? null,
        })),
      }));
  }

  async logLink(id: number): Promise<MatchLogLink | null> {
    const link = this.matches.find((m) => m.id === id)?.link;
    return link ? { ...link } : null;
  }
}
