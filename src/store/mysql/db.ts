/**
 * Queries with a deadline. Every query of the store runs on a pool connection within a timeout; a
 * connection that failed or timed out is destroyed (mysql2's pool would otherwise keep a timed-out
 * connection busy until the server answers), and its statement is killed when the server can still
 * be told. `held` retries connection failures with a short backoff until the hold time has passed,
 * then gives up with StoreUnavailableError: so a dead database is noticed within the hold time.
 */
import type { Connection as CallbackConnection, QueryError } from "mysql2";
import type { Pool, PoolConnection } from "mysql2/promise";
import { StoreUnavailableError } from "../types.ts";

/** Told how long each statement took and whether it failed (the metrics); the store imports no metrics library. */
export type QueryObserver = (seconds: number, failed: boolean) => void;
const observers = new WeakMap<Pool, QueryObserver>();

/** Sets (or, with null, removes) the observer of every statement run on `pool`. */
export function observeQueries(pool: Pool, observer: QueryObserver | null) {
  if (observer) observers.set(pool, observer);
  else observers.delete(pool);
}

/** The error codes of a database that is away or busy, not of a statement it refused. */
const TRANSIENT_CODES = new Set([
  "PROTOCOL_CONNECTION_LOST",
  // a fenced append's share lock met a claim: try again
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
  "PROTOCOL_ENQUEUE_AFTER_QUIT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ER_CON_COUNT_ERROR",
  "ER_LOCK_DEADLOCK",
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_SERVER_SHUTDOWN",
  "ER_CONNECTION_KILLED",
  "ACQUIRE_TIMEOUT",
]);

export const isTransient = (e: unknown): boolean => {
  if (typeof e !== "object" || e === null) return false;
  const { code, fatal } = e as { code?: string; fatal?: boolean };
  return fatal === true || (code !== undefined && TRANSIENT_CODES.has(code));
};

export const isDuplicate = (e: unknown): e is Error & { code: string } =>
  typeof e === "object" && e !== null && (e as { code?: string }).code === "ER_DUP_ENTRY";

/** No attempt gets less time than this, even at the very end of a hold. */
const MIN_ATTEMPT_MS = 100;
/** The first wait between attempts, doubling up to the longest; less than the first is left is not worth a try. */
const MIN_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 200;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type Run = <T = unknown>(sql: string, values?: unknown[]) => Promise<T>;

export class Db {
  constructor(
    readonly pool: Pool,
    /** How long a call keeps retrying before it answers StoreUnavailableError. */
    readonly holdMs: number,
  ) {}

  /** A pool connection within `timeoutMs` (a connection that comes later goes back to the pool). */
  private async acquire(timeoutMs: number): Promise<PoolConnection> {
    const acquiring = this.pool.getConnection();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        acquiring.then((conn) => conn.release(), () => {});
        reject(Object.assign(new Error(`no database connection within ${timeoutMs} ms`), { code: "ACQUIRE_TIMEOUT" }));
      }, timeoutMs);
    });
    try {
      return await Promise.race([acquiring, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs `work` on one connection, each statement within what is left of `timeoutMs`. A connection
   * error destroys the connection; a timed-out statement is killed too, so that it cannot land later.
   */
  async on<T>(timeoutMs: number, work: (run: Run) => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    const conn = await this.acquire(timeoutMs);
    let broken = false;
    const observe = observers.get(this.pool);
    // what the promise connection wraps (typed as the promise API, but the callback one at run time)
    const callbacks = conn.connection as unknown as CallbackConnection;
    const run: Run = async <R>(sql: string, values?: unknown[]) => {
      if (broken) throw Object.assign(new Error("the connection was lost"), { code: "PROTOCOL_CONNECTION_LOST" });
      const started = performance.now();
      try {
        // the callback API of the same connection: mysql2's promise wrapper captures a stack (an Error) per query
        const result = await new Promise<R>((resolve, reject) =>
          callbacks.query({ sql, values, timeout: Math.max(1, deadline - Date.now()) }, (err: QueryError | null, rows: unknown) =>
            err ? reject(err) : resolve(rows as R),
          ),
        );
        observe?.((performance.now() - started) / 1000, false);
        return result;
      } catch (e) {
        observe?.((performance.now() - started) / 1000, true);
        if (isTransient(e) && !broken) {
          broken = true;
          // first, so that the kill below gets a connection even from a pool of one
          conn.destroy();
          if ((e as { code?: string }).code === "PROTOCOL_SEQUENCE_TIMEOUT") await this.kill(conn.threadId);
        }
        throw e;
      }
    };
    try {
      return await work(run);
    } finally {
      if (!broken) conn.release();
    }
  }

  /** One statement on one connection within `timeoutMs`. */
  once<T>(sql: string, values: unknown[] | undefined, timeoutMs: number): Promise<T> {
    return this.on(timeoutMs, (run) => run<T>(sql, values));
  }

  /**
   * Runs `work` in a transaction within `timeoutMs`: committed when it returns, rolled back when it
   * throws (a connection whose rollback failed is destroyed, never handed back with a transaction open).
   */
  transaction<T>(timeoutMs: number, work: (run: Run) => Promise<T>): Promise<T> {
    return this.on(timeoutMs, async (run) => {
      await run("START TRANSACTION");
      try {
        const result = await work(run);
        await run("COMMIT");
        return result;
      } catch (e) {
        await run("ROLLBACK").catch(() => {});
        throw e;
      }
    });
  }

  /** Best effort: the server stops a statement whose client gave up on it. */
  private async kill(threadId: number | null) {
    if (!threadId) return;
    await this.once("KILL ?", [threadId], Math.min(250, this.holdMs)).catch(() => {});
  }

  /**
   * Retries `attempt` (given the time it may take and how many attempts came before) while the
   * database is away, until `holdMs` has passed; then StoreUnavailableError. Other errors pass through.
   */
  async held<T>(what: string, attempt: (timeoutMs: number, retry: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.holdMs;
    for (let retry = 0; ; retry++) {
      try {
        return await attempt(Math.max(MIN_ATTEMPT_MS, deadline - Date.now()), retry);
      } catch (e) {
        if (!isTransient(e)) throw e;
        const left = deadline - Date.now();
        if (left < MIN_BACKOFF_MS) throw new StoreUnavailableError(`${what}: ${(e as Error).message}`);
        await sleep(Math.min(left, MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** retry));
      }
    }
  }

  /** One statement, retried while the database is away (see held). */
  query<T>(sql: string, values?: unknown[]): Promise<T> {
    return this.held(sql.trim().split(/\s+/, 3).join(" "), (timeoutMs) => this.once<T>(sql, values, timeoutMs));
  }
}
