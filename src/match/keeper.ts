/**
 * Keeps one room's match: proposes entries to the rules, writes them to the room's log, and adopts
 * the new state only once the write is committed (write-ahead: nothing is acknowledged or shown that
 * a crash could lose). Entries are handled one at a time, in arrival order.
 *
 * When the database does not answer within the store's hold time, the keeper pauses: the entry's
 * fate is unknown (the write may have landed), so it refuses everything with UNAVAILABLE until the
 * database answers again and tells, through the log's last position, whether the entry is in. If it
 * is, it is adopted then (late, but exactly once); if not, it never happened.
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
  private settling: Promise<void> | null = null;
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
    return this.serially(() => {}).then(() => this.settling ?? undefined);
  }

  /**
   * Proposes an entry and commits it: resolves with the adopted step, the rules' refusal, or
   * UNAVAILABLE (nothing changed, or the outcome is settled later). Call it inside serially().
   */
  async commit(draft: LogEntry): Promise<StepResult> {
    if (this.stopped || this.paused) return { ok: false, error: UNAVAILABLE };
    const { entry, result } = propose(this.current, draft, this.timing);
    if (!result.ok) return result;
    const n = this.current.n + 1;
    try {
      await this.logs.append(this.roomId, [{ n, entry }], this.owner);
    } catch (e) {
      if (e instanceof StoreUnavailableError) {
        this.settle(n, entry);
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
      const result = await this.commit(draft);
      if (result.ok) return result;
      if (result.error !== UNAVAILABLE) {
        this.events.log(`room ${this.roomId}: ${draft.t} refused: ${result.error.code}`);
        return null;
      }
    }
  }

  /** No more writes (the room is disposed or owned elsewhere). */
  stop() {
    this.stopped = true;
  }

  private settle(n: number, entry: LogEntry) {
    this.events.log(`room ${this.roomId}: the database did not commit entry ${n} in time; the game is paused until it answers`);
    this.settling = (async () => {
      for (;;) {
        await new Promise((r) => setTimeout(r, this.settleEveryMs));
        if (this.stopped) return;
        let last: number;
        try {
          last = await this.logs.lastN(this.roomId);
        } catch {
          continue;
        }
        if (last >= n) {
          const result = step(this.current, entry);
          if (result.ok) {
            this.current = result.match;
            this.events.lateCommit(result);
          }
        }
        this.events.log(`room ${this.roomId}: the database answers again; entry ${n} ${last >= n ? "was committed" : "was not committed and is dropped"}`);
        return;
      }
    })().finally(() => {
      this.settling = null;
    });
  }
}
