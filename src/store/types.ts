/**
 * Persistence contracts. Rooms and HTTP routes depend on these interfaces only; the MySQL and the
 * in-memory implementations pass the same contract tests (test/store.contract.test.ts).
 */
import type { PlayerOutcome } from "../game/results.ts";

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
  /** Drops the codes of processes that stopped (crashed, or silent for longer than `staleSeconds`), returns how many. */
  sweepStale(): Promise<number>;
  /** Drops every code of one process and the process itself (graceful stop, or a crashed predecessor). */
  forgetProcess(processId: string): Promise<void>;
}

/** One player's result in a finished match: the rules' outcome, without the session id. */
export type PlayerResult = Omit<PlayerOutcome, "id">;

/** A finished match as the room reports it. */
export interface MatchRecord {
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
  players: Array<{ rank: number; name: string; seat: number; finalMoney: number; netWorth: number; bankrupt: boolean }>;
}

export interface MatchStore {
  /** Writes the match and every player's result in one transaction; returns the match id. */
  record(match: MatchRecord): Promise<number>;
  /** The latest finished matches, newest first, each with its players ranked (1 = winner). */
  recent(limit: number): Promise<MatchSummary[]>;
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
