/**
 * Keeps one room's match: proposes entries to the rules, writes them to the room's log, and adopts
 * the new state only once the write is committed (write-ahead: nothing is acknowledged or shown that
 * a crash could lose). Entries are handled one at a time, in arrival order.
 *
 * When the database does not answer within the store's hold time, the keeper pauses: the entry's
 * fate is unknown (the write may have landed), so it refuses everything with UNAVAILABLE until the
 * database answers again and tells, through the log's last position, whether the entry is in. If it
 * is, it is adopted then (late, but exactly once); if not, it never happened. An entry that cannot
 * be refused (commitSurely) is proposed again only when it never happened: adopted late, it is the
 * answer of its own call.
 */
import { LogConflictError, StoreUnavailableError, type RoomLogStore } from "../store/types.ts";
import type { LogEntry } from "./log.ts";
import { propose, step, type Match, type Refusal, type Stepped, type StepResult, type Timing } from "./match.ts";

export const UNAVAILABLE: Refusal = {
  code: "UNAVAILABLE",
  message: "The game is paused: the server cannot save moves right now. Try again in a moment.",
};

export interface KeeperEvents {
  /** An entry whose write outlived the hold time turned out committed: it is part of the match now. */
  lateCommit(stepped: Stepped): void;
  /** Another process owns the room now (its log has moved on without us). */
  lost(error: LogConflictError): void;
  log(line: string): void;
}

export class MatchKeeper {
  private chain: Promise<unknown> = Promise.resolve();
  /** While an entry's outcome is unknown: resolves with its step once adopted late, or null. */
  private settling: Promise<Stepped | null> | null = null;
  private stopped = false;

  constructor(
    private readonly roomId: string,
    private readonly logs: RoomLogStore,
    private readonly timing: Timing,
    private current: Match,
    private readonly events: KeeperEvents,
    /** The process this room runs on: its writes are fenced by it (see RoomLogStore.append). */
    private readonly owner: string,
    private readonly settleEveryMs = 250,
  ) {}

  get match(): Match {
    return this.current;
  }

  /** True while an entry's write has an unknown outcome: nothing can be accepted meanwhile. */
  get paused(): boolean {
    return this.settling !== null;
  }

  /** Runs `task` after every task queued before it. */
  serially<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Resolves once every task queued so far has run. */
  idle(): Promise<void> {
    return this.serially(() => {}).then(async () => {
      await this.settling;
    });
  }

  /**
   * Proposes an entry and commits it: resolves with the adopted step, the rules' refusal, or
   * UNAVAILABLE (nothing changed, or the outcome is settled later). Call it inside serially().
   */
  commit(draft: LogEntry): Promise<StepResult> {
    return this.write(draft, false);
  }

  /** `claimLate`: a late adoption is this call's to publish (commitSurely), not a lateCommit event. */
  private async write(draft: LogEntry, claimLate: boolean): Promise<StepResult> {
    if (this.stopped || this.paused) return { ok: false, error: UNAVAILABLE };
    const { entry, result } = propose(this.current, draft, this.timing);
    if (!result.ok) return result;
    const n = this.current.n + 1;
    try {
      await this.logs.append(this.roomId, [{ n, entry }], this.owner);
    } catch (e) {
      if (e instanceof StoreUnavailableError) {
        this.settle(n, entry, claimLate);
        return { ok: false, error: UNAVAILABLE };
      }
      if (e instanceof LogConflictError) {
        this.stop();
        this.events.lost(e);
        return { ok: false, error: UNAVAILABLE };
      }
      throw e;
    }
    this.current = result.match;
    return result;
  }

  /**
   * For what cannot be refused (a leave, a window running out, the timer playing a turn): waits
   * out any pause and commits; resolves with null if the rules refuse it or the keeper stopped.
   */
  async commitSurely(draft: LogEntry): Promise<Stepped | null> {
    for (;;) {
      if (this.settling) await this.settling;
      if (this.stopped) return null;
      const result = await this.write(draft, true);
      if (result.ok) return result;
      if (result.error !== UNAVAILABLE) {
        this.events.log(`room ${this.roomId}: ${draft.t} refused: ${result.error.code}`);
        return null;
      }
      // this entry's own write has an unknown outcome (nothing else commits meanwhile: callers run
      // serially): committed after all, its late step is the answer; else it is proposed again
      const late = this.settling ? await this.settling : null;
      if (late) return late;
    }
  }

  /** No more writes (the room is disposed or owned elsewhere). */
  stop() {
    this.stopped = true;
  }

  private settle(n: number, entry: LogEntry, claimed: boolean) {
    this.events.log(`room ${this.roomId}: the database did not commit entry ${n} in time; the game is paused until it answers`);
    this.settling = (async (): Promise<Stepped | null> => {
      for (;;) {
        await new Promise((r) => setTimeout(r, this.settleEveryMs));
        if (this.stopped) return null;
        let last: number;
        try {
          last = await this.logs.lastN(this.roomId);
        } catch {
          continue;
        }
        this.events.log(`room ${this.roomId}: the database answers again; entry ${n} ${last >= n ? "was committed" : "was not committed and is dropped"}`);
        if (last < n) return null;
        const result = step(this.current, entry);
        if (!result.ok) return null;
        this.current = result.match;
        if (!claimed) this.events.lateCommit(result);
        return result;
      }
    })().finally(() => {
      this.settling = null;
    });
  }
}
