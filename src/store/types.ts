/**
 * Persistence contracts. Rooms and HTTP routes depend on these interfaces only; the MySQL and the
 * in-memory implementations pass the same contract tests (test/store.contract.test.ts).
 */
import type { PlayerOutcome } from "../game/results.ts";
import type { LeaderboardEntry, LeaderboardPeriod, PlayerMatch } from "./leaderboard.ts";

export interface CodeRecord {
  code: string;
  roomId: string;
  processId: string;
}

export interface RoomCodeStore {
  /** Reserves a fresh 6-digit code for a room, unique among live rooms of every process sharing the store. */
  reserve(roomId: string, processId: string): Promise<string>;
  /** Frees a room's code so it can be used again; a code that is not held is ignored. */
  release(roomId: string): Promise<void>;
  /** The live mapping for a code, or null (unknown, released, or held by a process that stopped answering). */
  resolve(code: string): Promise<CodeRecord | null>;
  /** Records that a process is alive; codes of processes silent for longer than `staleSeconds` stop resolving. */
  heartbeat(processId: string): Promise<void>;
  /**
   * Drops the codes of processes that stopped (crashed, or silent for longer than `staleSeconds`), returns
   * how many; the codes of rooms whose log is open stay, for a process to claim (see orphans()).
   */
  sweepStale(): Promise<number>;
  /** Drops every code of one process and the process itself (graceful stop, or a crashed predecessor). */
  forgetProcess(processId: string): Promise<void>;

  // --- ownership of durable rooms (rooms whose log is open in a durable store) ---------------

  /**
   * Records that a process is alive and where clients reach it (`address`: its PUBLIC_ADDRESS, or
   * host:port). Same as heartbeat(), plus the address that orphans() compares: the processes
   * registered on `address` before this one are replaced (the latest to register there takes over).
   */
  register(processId: string, address: string): Promise<void>;
  /**
   * Rooms with an open log that need a new owner: released by a graceful stop, held by a process
   * whose heartbeat is older than `staleSeconds` (or gone), or held by a process that registered on
   * `address` before the latest one did (a process that starts on an address takes over from the one
   * that was there, even while that one still heart-beats; elsewhere it counts as alive).
   * The in-memory store, whose rooms cannot outlive the process, has none.
   */
  orphans(address: string): Promise<CodeRecord[]>;
  /**
   * Moves a room to `processId` if it is still held by `from` (the processId orphans() reported,
   * "" for a released room). Atomic: of concurrent callers, exactly one gets true.
   */
  claim(roomId: string, from: string, processId: string): Promise<boolean>;
  /**
   * A graceful stop: every room of the process whose log is open is handed over (processId "", its
   * code stops resolving until a process claims it), the codes of its other rooms are dropped (there
   * is no log to restore them from), then the process itself is removed. Returns how many were handed over.
   */
  releaseProcess(processId: string): Promise<number>;
  /** The record of a code whatever the state of its owner (resolve() answers live rooms only). */
  lookup(code: string): Promise<CodeRecord | null>;
  /** The rooms a process holds now (a process checks at its heartbeat that it still owns its rooms). */
  roomsOf(processId: string): Promise<string[]>;
}

/** One entry of a room's match log: its position (1, 2, ...) and the entry (plain JSON, see src/match/log.ts). */
export interface LogRecord {
  n: number;
  entry: object;
}

/**
 * The match logs of rooms: every accepted change, in order. A room's state is what the rules make of
 * its log, so a room is restored by reading the log back. The MySQL store commits appends of many
 * rooms together (group commit); the in-memory store keeps them in this process.
 */
export interface RoomLogStore {
  /** True when logs outlive this process (MySQL); the in-memory store's logs die with it. */
  readonly durable: boolean;
  /**
   * Appends records (consecutive n, following the last stored one) and resolves once they are
   * committed. Rejects with StoreUnavailableError when the database has not answered within the
   * store's hold time (the write may or may not have landed: lastN() settles it, answering once a
   * write of the room that the store still has in flight has ended), with
   * LogConflictError when a position already holds a different entry (another process owns the
   * room now). A position that already holds the same entry counts as written (a retried write).
   * With `owner`, the records are written only while that process holds the room (its code): an
   * append of a process whose room was claimed by another rejects with LogConflictError, so two
   * processes never both extend one log (the claim waits for a write in flight, and the new owner
   * reads the log after its claim).
   */
  append(roomId: string, records: LogRecord[], owner?: string): Promise<void>;
  /** A room's whole log in order; [] for an unknown room. */
  read(roomId: string): Promise<LogRecord[]>;
  /** The highest n stored for a room; 0 when it has none. */
  lastN(roomId: string): Promise<number>;
  /** The room ended for good (disposed with nobody left): its log is kept but never restored. */
  close(roomId: string): Promise<void>;
}

/** The database did not answer within the hold time: nothing may be acknowledged. */
export class StoreUnavailableError extends Error {
  constructor(detail: string) {
    super(`the database is unavailable: ${detail}`);
    this.name = "StoreUnavailableError";
  }
}

/** A log position holds another entry: another process has taken the room over. */
export class LogConflictError extends Error {
  constructor(roomId: string, n: number) {
    super(`room ${roomId}: log position ${n} holds another entry (the room is owned elsewhere now)`);
    this.name = "LogConflictError";
  }
}

/**
 * One player's result in a finished match: the rules' outcome, without the session id, with the
 * player's token identity (`sub`) when player tokens were on (null or absent otherwise).
 */
export type PlayerResult = Omit<PlayerOutcome, "id"> & { identity?: string | null };

/** A finished match as the room reports it. */
export interface MatchRecord {
  /** Unique per finished game: recording the same key again stores nothing and answers the first id. */
  key: string;
  roomId: string;
  code: string;
  /** The PRNG seed the game started from: with the actions, it replays the game exactly. */
  seed: number;
  startedAt: Date;
  endedAt: Date;
  rounds: number;
  /** "last_player_standing" | "round_limit" */
  endReason: string;
  winnerName: string;
  players: PlayerResult[];
  /**
   * The match's part of the room's log (roomId's): the position of the room's last entry when the
   * match was recorded (its game ended at or before it, and began at the last `start` entry at or
   * before it). Absent for records made before replays existed.
   */
  logLastN?: number;
  /** The state hash (src/match/hash.ts) of the game's final state as the room held it. */
  finalHash?: string;
}

/** Where a recorded match's actions are: its room's log up to `logLastN` (null: the whole log). */
export interface MatchLogLink {
  id: number;
  roomId: string;
  seed: number;
  logLastN: number | null;
  finalHash: string | null;
}

/** A finished match as GET /matches/recent shows it: players ordered by rank. */
export interface MatchSummary {
  id: number;
  code: string;
  seed: number;
  startedAt: string;
  endedAt: string;
  rounds: number;
  endReason: string;
  winner: string;
  players: Array<{ rank: number; name: string; seat: number; finalMoney: number; netWorth: number; bankrupt: boolean; identity: string | null }>;
}

export interface MatchStore {
  /**
   * Writes the match and every player's result in one transaction; returns the match id. Exactly
   * once per key: a match whose key is already recorded is not written again (its id is answered).
   */
  record(match: MatchRecord): Promise<number>;
  /** The latest finished matches, newest first, each with its players ranked (1 = winner). */
  recent(limit: number): Promise<MatchSummary[]>;
  /** Where a recorded match's log is (for its replay), or null for an unknown id. */
  logLink(id: number): Promise<MatchLogLink | null>;
  /**
   * The players ranked over the finished matches of the period (src/store/leaderboard.ts says who a
   * player is and the order), the first `limit` of them.
   */
  leaderboard(period: LeaderboardPeriod, limit: number): Promise<LeaderboardEntry[]>;
  /** The latest `limit` finished matches of the players shown as `name` on the leaderboard, newest first. */
  playerMatches(name: string, limit: number): Promise<PlayerMatch[]>;
}

export interface StoreHealth {
  kind: "mysql" | "memory";
  ok: boolean;
  detail?: string;
}

export interface Store {
  readonly kind: "mysql" | "memory";
  readonly codes: RoomCodeStore;
  readonly matches: MatchStore;
  readonly logs: RoomLogStore;
  /** Applies migrations (MySQL) and anything else needed before serving. Idempotent. */
  init(): Promise<void>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** Thrown when no free code was found after many attempts (practically: the code space is exhausted). */
export class CodeSpaceExhaustedError extends Error {
  constructor(attempts: number) {
    super(`no free join code after ${attempts} attempts`);
    this.name = "CodeSpaceExhaustedError";
  }
}

export const CODE_PATTERN = /^\d{6}$/;
