/**
 * The leaderboard's contract, shared by the MySQL and the in-memory store: who a player is, the
 * periods, and the order. Both stores compute the same table from the same finished matches
 * (test/leaderboard.test.ts holds them equal).
 *
 * - A player is their token identity when the match recorded one, else their name: an identity is
 *   one player whatever names it played under (shown by the name of its latest match), and a name
 *   without an identity is one player per exact name (case and accents count).
 * - A player's rank in a match is the one GET /matches/recent shows (ranked again from the facts).
 * - wins: matches ranked 1; games: matches played; averageRank: the mean rank, to two decimals
 *   (half up); netWorth: the best net worth the player finished a match of the period with.
 * - Order: wins (most first), then averageRank (lowest first, as rounded), then netWorth (highest
 *   first). Players equal on all three share a rank (RANK(): 1, 1, 3) and are listed by name
 *   (by the bytes of its UTF-8), then by identity.
 */

export const LEADERBOARD_PERIODS = ["day", "week", "all"] as const;
export type LeaderboardPeriod = (typeof LEADERBOARD_PERIODS)[number];

export interface LeaderboardEntry {
  rank: number;
  name: string;
  wins: number;
  games: number;
  averageRank: number;
  netWorth: number;
}

/** One finished match of a player's history (GET /players/:name/matches). */
export interface PlayerMatch {
  /** The match's id: GET /matches/recent's `id`, and the one GET /matches/:id/replay takes. */
  matchId: number;
  endedAt: string;
  /** The name the player had in that match. */
  name: string;
  rank: number;
  /** How many played the match. */
  players: number;
  netWorth: number;
  /** Running totals: the player's wins and matches up to and including this one. */
  winsSoFar: number;
  gamesSoFar: number;
}

const HOUR_MS = 60 * 60 * 1000;
const PERIOD_MS: Record<Exclude<LeaderboardPeriod, "all">, number> = { day: 24 * HOUR_MS, week: 7 * 24 * HOUR_MS };

/** The earliest end time a match of the period may have (the last 24 hours, the last 7 days), or null for all. */
export function periodStart(period: LeaderboardPeriod, nowMs: number): Date | null {
  return period === "all" ? null : new Date(nowMs - PERIOD_MS[period]);
}

/** The mean of `count` ranks summing to `sum`, in hundredths, rounded half up: whole numbers, so SQL and JS agree. */
export function averageRankHundredths(sum: number, count: number): number {
  return Math.floor((200 * sum + count) / (2 * count));
}

export function checkLimit(limit: number) {
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
}
