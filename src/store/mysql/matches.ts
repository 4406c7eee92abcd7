/**
 * Finished matches in MySQL: one transaction writes a match with its players; one query reads the
 * latest matches back, ranking each match's players in SQL from the stored facts.
 */
import type { Pool, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { MatchRecord, MatchStore, MatchSummary } from "../types.ts";

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
       mp.seat, mp.name, mp.final_money, mp.net_worth, mp.bankrupt,
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
  player_rank: number;
}

export class MySqlMatches implements MatchStore {
  constructor(private readonly pool: Pool) {}

  async record(match: MatchRecord): Promise<number> {
    const conn = await this.pool.getConnection();
    // A connection whose rollback failed may still hold an open transaction: never hand it back.
    let reusable = true;
    try {
      await conn.beginTransaction();
      const [inserted] = await conn.query<ResultSetHeader>(
        `INSERT INTO matches (room_id, code, seed, started_at, ended_at, rounds, end_reason, winner_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [match.roomId, match.code, match.seed, match.startedAt, match.endedAt, match.rounds, match.endReason, match.winnerName],
      );
      const matchId = inserted.insertId;
      if (match.players.length > 0) {
        await conn.query(
          `INSERT INTO match_players
             (match_id, seat, name, final_money, net_worth, bankrupt, bankrupt_order, rank_in_match)
           VALUES ?`,
          [match.players.map((p) => [matchId, p.seat, p.name, p.finalMoney, p.netWorth, p.bankrupt, p.bankruptOrder, p.rank])],
        );
      }
      await conn.commit();
      return matchId;
    } catch (e) {
      await conn.rollback().catch(() => {
        reusable = false;
      });
      throw e;
    } finally {
      if (reusable) conn.release();
      else conn.destroy();
    }
  }

  async recent(limit: number): Promise<MatchSummary[]> {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
    const [rows] = await this.pool.query<RecentRow[]>(RECENT_MATCHES_SQL, [limit]);
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
      });
    }
    return summaries;
  }
}
