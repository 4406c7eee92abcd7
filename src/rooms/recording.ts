/**
 * The record of a room's finished matches (GET /matches/recent, the leaderboard, replays): each
 * match once, by its number (a rematch plays the next), one record after the other, retried while
 * the database is away. The store writes a record exactly once by its key, so a retry that did
 * reach it costs nothing. A room being handed over stops retrying and leaves its log to the process
 * that takes it over.
 */
import type { Match } from "../match/match.ts";
import { matchRecord } from "../match/record.ts";
import type { MatchStore } from "../store/types.ts";

export class MatchRecorder {
  private recording: Promise<void> | null = null;
  /** The number of the last match whose record was started (a rematch plays the next number). */
  private recorded = 0;

  constructor(
    private readonly roomId: string,
    private readonly matches: MatchStore,
    /** The room is being handed over (a graceful stop) or is owned elsewhere. */
    private readonly handingOver: () => boolean,
    private readonly log: (line: string) => void,
  ) {}

  /** Records the match if it is finished and its record was not started yet, retrying while the database is away. */
  recordIfFinished(match: Match) {
    if (match.phase !== "finished" || this.recorded === match.number) return;
    const record = matchRecord(this.roomId, match);
    this.recorded = match.number;
    const earlier = this.recording;
    this.recording = (async () => {
      await earlier;
      for (let attempt = 0; ; attempt++) {
        try {
          await this.matches.record(record);
          return;
        } catch (e) {
          if (attempt === 0) this.log(`room ${this.roomId}: could not record the finished match yet: ${(e as Error).message}`);
          if (this.handingOver()) return;
          await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
        }
      }
    })();
  }

  /** Settles once every record started is written, or given up by a handover. */
  async settled() {
    await this.recording;
  }
}
