/**
 * Finished matches in MySQL: one transaction writes a match with its players, once per match key;
 * one query reads the latest matches back, ranking each match's players in SQL from the stored facts.
 */
import type { ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { MatchLogLink, MatchRecord, MatchStore, MatchSummary } from "../types.ts";
import type { LeaderboardEntry, LeaderboardPeriod, PlayerMatch } from "../leaderboard.ts";
import { isDuplicate, type Db } from "./db.ts";
import { mysqlLeaderboard, mysqlPlayerMatches } from "./leaderboard.ts";

/**
 * The latest `?` matches (a CTE) joined to their players, each ranked as the rules rank:
 * players still standing by net worth (lower seat on a tie), then the bankrupt, last to fall first.
 * A match without player rows still appears, with no players.
 */
const RECENT_MATCHES_SQL = `
WITH latest AS (
  SELECT id, code, seed, started_at, ended_at, rounds, end_reason, winner_name
    FROM matches
   ORDER BY ended_at DESC, id DESC
   LIMIT ?
)
SELECT l.id, l.code, l.seed, l.started_at, l.ended_at, l.rounds, l.end_reason, l.winner_name,
       mp.seat, mp.name, mp.final_money, mp.net_worth, mp.bankrupt, mp.player_identity,
       ROW_NUMBER() OVER (
         PARTITION BY mp.match_id
         ORDER BY mp.bankrupt ASC,
                  CASE WHEN mp.bankrupt = 0 THEN mp.net_worth END DESC,
                  mp.bankrupt_order DESC,
                  mp.seat ASC
       ) AS player_rank
  FROM latest l
  LEFT JOIN match_players mp ON mp.match_id = l.id
 ORDER BY l.ended_at DESC, l.id DESC, player_rank ASC`;

interface RecentRow extends RowDataPacket {
  id: number;
  code: string;
  seed: number;
  started_at: Date;
  ended_at: Date;
  rounds: number;
  end_reason: string;
  winner_name: string;
  seat: number | null;
  name: string | null;
  final_money: number;
  net_worth: number;
  bankrupt: number;
  player_identity: string | null;
  player_rank: number;
}

export class MySqlMatches implements MatchStore {
  constructor(private readonly db: Db) {}

  async record(match: MatchRecord): Promise<number> {
    // A retry after a lost answer meets its own row through the key, so it writes nothing twice.
    return this.db.held("record match", (timeoutMs) =>
      this.db.transaction(timeoutMs, async (run) => {
        // looked up first, so that a repeat neither fails an insert nor uses up an id
        const [known] = await run<Array<{ id: number }>>("SELECT id FROM matches WHERE match_key = ?", [match.key]);
        if (known) return Number(known.id);
        let matchId: number;
        try {
          const inserted = await run<ResultSetHeader>(
            `INSERT INTO matches (match_key, room_id, code, seed, started_at, ended_at, rounds, end_reason, winner_name, log_last_n, final_hash)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [match.key, match.roomId, match.code, match.seed, match.startedAt, match.endedAt, match.rounds, match.endReason, match.winnerName, match.logLastN ?? null, match.finalHash ?? null],
          );
          matchId = inserted.insertId;
        } catch (e) {
          // recorded meanwhile by a concurrent call (its commit is what this insert waited for)
          if (!isDuplicate(e) || !e.message.includes("uq_matches_key")) throw e;
          const concurrent = await run<Array<{ id: number }>>("SELECT id FROM matches WHERE match_key = ? LOCK IN SHARE MODE", [match.key]);
          return Number(concurrent[0].id);
        }
        if (match.players.length > 0) {
          await run(
            `INSERT INTO match_players
               (match_id, seat, name, final_money, net_worth, bankrupt, bankrupt_order, rank_in_match, player_identity)
             VALUES ?`,
            [match.players.map((p) => [matchId, p.seat, p.name, p.finalMoney, p.netWorth, p.bankrupt, p.bankruptOrder, p.rank, p.identity ?? null])],
          );
        }
        return matchId;
      }),
    );
  }

  leaderboard(period: LeaderboardPeriod, limit: number): Promise<LeaderboardEntry[]> {
    return mysqlLeaderboard(this.db, period, limit);
  }

  playerMatches(name: string, limit: number): Promise<PlayerMatch[]> {
    return mysqlPlayerMatches(this.db, name, limit);
  }

  async recent(limit: number): Promise<MatchSummary[]> {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
    const rows = await this.db.query<RecentRow[]>(RECENT_MATCHES_SQL, [limit]);
    const summaries: MatchSummary[] = [];
    for (const row of rows) {
      let summary = summaries.at(-1);
      if (summary?.id !== Number(row.id)) {
        summary = {
          id: Number(row.id),
          code: row.code,
          seed: row.seed,
          startedAt: row.started_at.toISOString(),
          endedAt: row.ended_at.toISOString(),
          rounds: row.rounds,
          endReason: row.end_reason,
          winner: row.winner_name,
          players: [],
        };
        summaries.push(summary);
      }
      if (row.seat === null || row.name === null) continue;
      summary.players.push({
        rank: Number(row.player_rank),
        name: row.name,
        seat: row.seat,
        finalMoney: row.final_money,
        netWorth: row.net_worth,
        bankrupt: row.bankrupt === 1,
        identity: row.player_identity,
      });
    }
    return summaries;
  }

  async logLink(id: number): Promise<MatchLogLink | null> {
    const [row] = await this.db.query<Array<{ room_id: string; seed: number; log_last_n: number | null; final_hash: string | null }>>(
      "SELECT room_id, seed, log_last_n, final_hash FROM matches WHERE id = ?",
      [id],
    );
    if (!row) return null;
    return { id, roomId: row.room_id, seed: Number(row.seed), logLastN: row.log_last_n === null ? null : Number(row.log_last_n), finalHash: row.final_hash };
  }
}
