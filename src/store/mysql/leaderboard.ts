/**
 * The leaderboard and a player's history in MySQL: one query each, CTEs and window functions, in
 * MySQL 8.0 syntax that also runs on MariaDB 10.11 (no LATERAL, no JSON_TABLE). Who a player is and
 * the order are src/store/leaderboard.ts's; the in-memory store computes the same in JavaScript.
 *
 * Names and identities are compared as bytes (CAST AS BINARY) and players grouped by a hash of
 * those bytes: the columns' collation (utf8mb4_general_ci on MariaDB, utf8mb4_0900_ai_ci on MySQL)
 * would make "Ann" and "ann" one player.
 */
import type { RowDataPacket } from "mysql2/promise";
import {
  checkLimit,
  periodStart,
  type LeaderboardEntry,
  type LeaderboardPeriod,
  type PlayerMatch,
} from "../leaderboard.ts";
import type { Db } from "./db.ts";

/**
 * The player: `i:<identity>` when the match recorded one, else `n:<name>`, as the SHA-256 of its
 * bytes: exact (the columns' collation is not involved) and 32 bytes wide, where the key itself
 * (up to 257 characters) would make every temporary table of the query spill to disk.
 */
const PLAYER_KEY = (mp: string) =>
  `UNHEX(SHA2(CASE WHEN ${mp}.player_identity IS NULL THEN CONCAT('n:', ${mp}.name) ELSE CONCAT('i:', ${mp}.player_identity) END, 256))`;

/** A player's rank in their match, as GET /matches/recent ranks (src/store/mysql/matches.ts). */
const MATCH_RANK = (mp: string) => `ROW_NUMBER() OVER (
         PARTITION BY ${mp}.match_id
         ORDER BY ${mp}.bankrupt ASC,
                  CASE WHEN ${mp}.bankrupt = 0 THEN ${mp}.net_worth END DESC,
                  ${mp}.bankrupt_order DESC,
                  ${mp}.seat ASC
       )`;

/**
 * ranked: every player of every match of the period with their rank in it (a window per match; a
 * period keeps or drops whole matches, so the ranks are those of the full match). totals: one row
 * per player, with the name of their latest match (the periods all end now, so a player's latest
 * match of the period is their latest of all): the greatest of end time, match id and name written
 * as text that sorts like them (20 + 20 characters, then the name), without a window over every
 * row. Then RANK() over the order; ties by name, then identity first (`i:` before `n:`), as bytes.
 */
const leaderboardSql = (since: boolean) => `
WITH ranked AS (
  SELECT m.id AS match_id, m.ended_at, mp.name, mp.net_worth, mp.player_identity,
         ${PLAYER_KEY("mp")} AS player_key,
         ${MATCH_RANK("mp")} AS match_rank
    FROM matches m
    JOIN match_players mp ON mp.match_id = m.id
   ${since ? "WHERE m.ended_at >= ?" : ""}
),
totals AS (
  SELECT player_key,
         SUBSTRING(MAX(CONCAT(DATE_FORMAT(ended_at, '%Y%m%d%H%i%s%f'), LPAD(match_id, 20, '0'), name)), 41) AS name,
         MAX(player_identity) AS player_identity,
         COUNT(*) AS games,
         SUM(match_rank = 1) AS wins,
         (200 * SUM(match_rank) + COUNT(*)) DIV (2 * COUNT(*)) AS average_rank_x100,
         MAX(net_worth) AS best_net_worth
    FROM ranked
   GROUP BY player_key
)
SELECT RANK() OVER (ORDER BY wins DESC, average_rank_x100 ASC, best_net_worth DESC) AS player_rank,
       name, wins, games, average_rank_x100, best_net_worth
  FROM totals
 ORDER BY player_rank ASC, CAST(name AS BINARY) ASC, player_identity IS NULL ASC, CAST(player_identity AS BINARY) ASC
 LIMIT ?`;

/**
 * candidates: the identities that ever played under the name (the name column's index finds them).
 * mine: every match row of those identities, and of the name played without an identity. ranked:
 * the ranks in those matches (all of their players). history: per player, the name of their latest
 * match and running totals of wins and games in the order the matches ended. Kept: the players whose
 * latest name is the one asked for.
 */
const PLAYER_MATCHES_SQL = `
WITH candidates AS (
  SELECT DISTINCT player_identity
    FROM match_players
   WHERE name = ? AND CAST(name AS BINARY) = CAST(? AS BINARY) AND player_identity IS NOT NULL
),
mine AS (
  SELECT mp.match_id, mp.seat, mp.name, mp.net_worth, ${PLAYER_KEY("mp")} AS player_key
    FROM match_players mp
   WHERE mp.player_identity IN (SELECT player_identity FROM candidates)
      OR (mp.player_identity IS NULL AND mp.name = ? AND CAST(mp.name AS BINARY) = CAST(? AS BINARY))
),
ranked AS (
  SELECT mp.match_id, mp.seat,
         COUNT(*) OVER (PARTITION BY mp.match_id) AS players,
         ${MATCH_RANK("mp")} AS match_rank
    FROM match_players mp
   WHERE mp.match_id IN (SELECT match_id FROM mine)
),
history AS (
  SELECT mine.match_id, m.ended_at, mine.name, mine.net_worth, r.match_rank, r.players,
         FIRST_VALUE(mine.name) OVER (PARTITION BY mine.player_key ORDER BY m.ended_at DESC, mine.match_id DESC) AS latest_name,
         SUM(r.match_rank = 1) OVER (
           PARTITION BY mine.player_key ORDER BY m.ended_at ASC, mine.match_id ASC
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
         ) AS wins_so_far,
         ROW_NUMBER() OVER (PARTITION BY mine.player_key ORDER BY m.ended_at ASC, mine.match_id ASC) AS games_so_far
    FROM mine
    JOIN matches m ON m.id = mine.match_id
    JOIN ranked r ON r.match_id = mine.match_id AND r.seat = mine.seat
)
SELECT match_id, ended_at, name, net_worth, match_rank, players, wins_so_far, games_so_far
  FROM history
 WHERE CAST(latest_name AS BINARY) = CAST(? AS BINARY)
 ORDER BY ended_at DESC, match_id DESC
 LIMIT ?`;

// mysql2 answers DECIMAL (SUM) and, depending on the server, BIGINT results as strings: every number goes through Number().
interface LeaderboardRow extends RowDataPacket {
  player_rank: number | string;
  name: string;
  wins: number | string;
  games: number | string;
  average_rank_x100: number | string;
  best_net_worth: number | string;
}

interface PlayerMatchRow extends RowDataPacket {
  match_id: number | string;
  ended_at: Date;
  name: string;
  net_worth: number | string;
  match_rank: number | string;
  players: number | string;
  wins_so_far: number | string;
  games_so_far: number | string;
}

export async function mysqlLeaderboard(db: Db, period: LeaderboardPeriod, limit: number, nowMs = Date.now()): Promise<LeaderboardEntry[]> {
  checkLimit(limit);
  const since = periodStart(period, nowMs);
  const rows = await db.query<LeaderboardRow[]>(leaderboardSql(since !== null), since ? [since, limit] : [limit]);
  return rows.map((row) => ({
    rank: Number(row.player_rank),
    name: row.name,
    wins: Number(row.wins),
    games: Number(row.games),
    averageRank: Number(row.average_rank_x100) / 100,
    netWorth: Number(row.best_net_worth),
  }));
}

export async function mysqlPlayerMatches(db: Db, name: string, limit: number): Promise<PlayerMatch[]> {
  checkLimit(limit);
  const rows = await db.query<PlayerMatchRow[]>(PLAYER_MATCHES_SQL, [name, name, name, name, name, limit]);
  return rows.map((row) => ({
    matchId: Number(row.match_id),
    endedAt: row.ended_at.toISOString(),
    name: row.name,
    rank: Number(row.match_rank),
    players: Number(row.players),
    netWorth: Number(row.net_worth),
    winsSoFar: Number(row.wins_so_far),
    gamesSoFar: Number(row.games_so_far),
  }));
}
