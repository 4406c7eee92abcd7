/**
 * The leaderboard and a player's history over the matches the in-memory store keeps: what the SQL of
 * src/store/mysql/leaderboard.ts computes, step by step in the same order (see src/store/leaderboard.ts).
 */
import {
  averageRankHundredths,
  checkLimit,
  periodStart,
  type LeaderboardEntry,
  type LeaderboardPeriod,
  type PlayerMatch,
} from "../leaderboard.ts";
import type { PlayerResult } from "../types.ts";

/** A kept match as the in-memory store holds it. */
export interface KeptMatch {
  id: number;
  endedAtMs: number;
  players: PlayerResult[];
}

interface Played {
  matchId: number;
  endedAtMs: number;
  key: string;
  name: string;
  netWorth: number;
  rank: number;
  players: number;
}

/** The player a result belongs to (the SQL's player key). */
const playerKey = (p: PlayerResult) => (p.identity === undefined || p.identity === null ? `n:${p.name}` : `i:${p.identity}`);

/** Strings in the order of their UTF-8 bytes, as MySQL orders a binary string. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** Latest match first, as the SQL windows order them (end time, then id). */
const latestFirst = (a: { endedAtMs: number; matchId: number }, b: { endedAtMs: number; matchId: number }) =>
  b.endedAtMs - a.endedAtMs || b.matchId - a.matchId;

/** Every player of the given matches with their rank in it (`byRank` is the store's ranking of a match). */
function played(matches: KeptMatch[], byRank: (a: PlayerResult, b: PlayerResult) => number): Played[] {
  return matches.flatMap((m) =>
    [...m.players].sort(byRank).map((p, i) => ({
      matchId: m.id,
      endedAtMs: m.endedAtMs,
      key: playerKey(p),
      name: p.name,
      netWorth: p.netWorth,
      rank: i + 1,
      players: m.players.length,
    })),
  );
}

function groupByPlayer(rows: Played[]): Map<string, Played[]> {
  const byPlayer = new Map<string, Played[]>();
  for (const row of rows) {
    const list = byPlayer.get(row.key);
    if (list) list.push(row);
    else byPlayer.set(row.key, [row]);
  }
  return byPlayer;
}

export function memoryLeaderboard(
  matches: KeptMatch[],
  byRank: (a: PlayerResult, b: PlayerResult) => number,
  period: LeaderboardPeriod,
  limit: number,
  nowMs = Date.now(),
): LeaderboardEntry[] {
  checkLimit(limit);
  const since = periodStart(period, nowMs)?.getTime() ?? null;
  const inPeriod = since === null ? matches : matches.filter((m) => m.endedAtMs >= since);
  const totals = [...groupByPlayer(played(inPeriod, byRank))].map(([key, rows]) => {
    const rankSum = rows.reduce((sum, r) => sum + r.rank, 0);
    return {
      key,
      name: [...rows].sort(latestFirst)[0].name,
      wins: rows.filter((r) => r.rank === 1).length,
      games: rows.length,
      averageRankX100: averageRankHundredths(rankSum, rows.length),
      netWorth: Math.max(...rows.map((r) => r.netWorth)),
    };
  });
  const order = (a: (typeof totals)[number], b: (typeof totals)[number]) =>
    b.wins - a.wins || a.averageRankX100 - b.averageRankX100 || b.netWorth - a.netWorth;
  totals.sort((a, b) => order(a, b) || byBytes(a.name, b.name) || byBytes(a.key, b.key));
  // RANK(): a player equal to the one before shares its rank; the next unequal one is ranked by position
  const ranks: number[] = [];
  for (const [i, t] of totals.entries()) ranks.push(i > 0 && order(totals[i - 1], t) === 0 ? ranks[i - 1] : i + 1);
  return totals.slice(0, limit).map((t, i) => ({
    rank: ranks[i],
    name: t.name,
    wins: t.wins,
    games: t.games,
    averageRank: t.averageRankX100 / 100,
    netWorth: t.netWorth,
  }));
}

export function memoryPlayerMatches(
  matches: KeptMatch[],
  byRank: (a: PlayerResult, b: PlayerResult) => number,
  name: string,
  limit: number,
): PlayerMatch[] {
  checkLimit(limit);
  const history: Array<Played & { winsSoFar: number; gamesSoFar: number }> = [];
  for (const rows of groupByPlayer(played(matches, byRank)).values()) {
    const oldestFirst = [...rows].sort((a, b) => latestFirst(b, a));
    if (oldestFirst.at(-1)!.name !== name) continue;
    let wins = 0;
    oldestFirst.forEach((row, i) => {
      if (row.rank === 1) wins++;
      history.push({ ...row, winsSoFar: wins, gamesSoFar: i + 1 });
    });
  }
  return history
    .sort(latestFirst)
    .slice(0, limit)
    .map((row) => ({
      matchId: row.matchId,
      endedAt: new Date(row.endedAtMs).toISOString(),
      name: row.name,
      rank: row.rank,
      players: row.players,
      netWorth: row.netWorth,
      winsSoFar: row.winsSoFar,
      gamesSoFar: row.gamesSoFar,
    }));
}
