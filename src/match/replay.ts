/**
 * Verified replays: a finished match as its setup and its game actions, each with the seq it
 * produced and the state hash (src/match/hash.ts) after it, and the check that the rules alone
 * reproduce every hash. A replay is made from the room's log (src/match/log.ts) by the same step()
 * the room ran, and checked with nothing but the rules (src/game): a client can do the same.
 *
 * Which part of a room's log is the match (see src/match/record.ts): the log from its first entry
 * through the match's last (its record's logLastN); the game is the one begun by the last `start`
 * entry there, so a room that plays several matches has each replayed alone.
 */
import * as rules from "../game/index.ts";
import type { LogRecord, MatchLogLink } from "../store/types.ts";
import { stateHash } from "./hash.ts";
import type { LogEntry, MatchOptions } from "./log.ts";
import { openMatch, step, type Match } from "./match.ts";

/** A rules action, or a player's leave during the game (rules.forfeit). */
export type ReplayActionType = rules.Action["type"] | "forfeit";

export interface ReplayAction {
  /** The synchronized seq this action produced (one per action, consecutive within a game). */
  seq: number;
  /** The player's id (sessionId), as in setup.players and in the room's events. */
  player: string;
  type: ReplayActionType;
  /** stateHash of the game state after the action. */
  hash: string;
  /** Played by the server for an absent or timed-out player (rules.autoAction). */
  auto?: true;
}

export interface ReplaySetup {
  /** In turn order: what rules.newGame was given. */
  players: Array<{ id: string; name: string; seat: number }>;
  options: MatchOptions;
  seed: number;
}

export interface Replay {
  setup: ReplaySetup;
  actions: ReplayAction[];
}

/** A replay made from a log, with what the log's game came to. */
export interface LoggedReplay {
  replay: Replay;
  /** The game state after the last action (after the start when there is none). */
  final: rules.GameState;
  finished: boolean;
}

/** A log that holds no game, or one the rules refuse (it was not written by a room). */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayError";
  }
}

/** The entries of a recorded match's part of its room's log: the first through its last (all of them for a record made before the link). */
export function matchEntries(records: readonly LogRecord[], link: Pick<MatchLogLink, "logLastN">): LogEntry[] {
  return records.filter((r) => link.logLastN === null || r.n <= link.logLastN).map((r) => r.entry as LogEntry);
}

/**
 * What a replay made from the log says against what the room recorded when the game ended: the
 * game finished, the seed, and the hash of its final state (a record made before final hashes were
 * kept has none). Empty when they agree; a log changed in a way the rules still accept shows here.
 */
export function recordMismatches(logged: LoggedReplay, link: Pick<MatchLogLink, "seed" | "finalHash" | "logLastN">, entries: number): string[] {
  const problems: string[] = [];
  if (!logged.finished) problems.push(`the log's game is not finished at entry ${link.logLastN ?? entries}`);
  if (logged.replay.setup.seed !== link.seed) problems.push(`the log's game began with seed ${logged.replay.setup.seed}, the match was recorded with ${link.seed}`);
  const finalHash = stateHash(logged.final);
  if (link.finalHash !== null && finalHash !== link.finalHash) {
    problems.push(`the replay ends at state ${finalHash}, the room recorded ${link.finalHash} when the game ended`);
  }
  return problems;
}

/**
 * The replay of the last game begun in `entries`: a room's log from its first entry (in order, each
 * once) through the last entry of the match. Every entry is stepped (the seats and names at the
 * start are what the entries before made them); the actions are those of the running game.
 */
export function replayOfLog(entries: readonly LogEntry[]): LoggedReplay {
  const [first, ...rest] = entries;
  if (first?.t !== "open") throw new ReplayError("a room's log starts with its open entry");
  let match: Match = openMatch(first);
  let replay: Replay | null = null;
  let final: rules.GameState | null = null;
  for (const entry of rest) {
    const result = step(match, entry);
    if (!result.ok) throw new ReplayError(`log entry ${match.n + 1} (${entry.t}) is refused by the rules: ${result.error.code}`);
    const before = match;
    match = result.match;
    if (entry.t === "start") {
      replay = { setup: setupOf(match, entry.seed), actions: [] };
      final = match.game;
    } else if (before.phase === "playing" && match.game !== before.game) {
      if (!replay || !before.game || !match.game) throw new ReplayError(`log entry ${match.n} (${entry.t}) changed a game that was not begun`);
      replay.actions.push(...actionsOf(entry, before.game, before.seq, match.game, match.seq, match.n));
      final = match.game;
    }
    // outside a running game nothing is played: what happens to a finished game (a rematch) is the room's
  }
  if (!replay || !final) throw new ReplayError("no game was begun in this log");
  return { replay, final, finished: final.finished };
}

function setupOf(match: Match, seed: number): ReplaySetup {
  const game = match.game!;
  return { players: game.players.map((p) => ({ id: p.id, name: p.name, seat: p.seat })), options: { ...match.options }, seed };
}

/** The rules actions an entry played: one per seq it produced. */
function actionsOf(entry: LogEntry, before: rules.GameState, seqBefore: number, after: rules.GameState, seqAfter: number, n: number): ReplayAction[] {
  const count = seqAfter - seqBefore;
  if (entry.t === "act" && count === 1) return [{ seq: seqAfter, player: entry.id, type: entry.action, hash: stateHash(after) }];
  if (entry.t === "leave" && count === 1) return [{ seq: seqAfter, player: entry.id, type: "forfeit", hash: stateHash(after) }];
  if (entry.t === "auto") {
    // the moves the server played, again: as many as the seqs the entry produced
    const actions: ReplayAction[] = [];
    let game = before;
    for (let seq = seqBefore + 1; seq <= seqAfter; seq++) {
      const action = rules.autoAction(game);
      const result = action && rules.apply(game, entry.id, action);
      if (!action || !result?.ok) throw new ReplayError(`log entry ${n} (auto): the server's move for seq ${seq} is refused on replay`);
      game = result.state;
      actions.push({ seq, player: entry.id, type: action.type, hash: stateHash(game), auto: true });
    }
    if (actions.at(-1)?.hash !== stateHash(after)) throw new ReplayError(`log entry ${n} (auto): the server's moves do not reach the room's state`);
    return actions;
  }
  throw new ReplayError(`log entry ${n} (${entry.t}) changed the game in a way a replay does not know (${count} seqs)`);
}

/** One action whose replay does not give its hash (or is refused, or breaks the seq order). */
export interface ReplayMismatch {
  /** Position in `actions` (0 = the first action). */
  index: number;
  seq: number;
  expected: string;
  /** The hash the replay reached; null when the rules refused the action. */
  actual: string | null;
  problem: string;
}

/**
 * Replays `replay` with the rules alone (rules.newGame from the setup, then rules.apply or
 * rules.forfeit per action) and lists every action whose hash is not reproduced. A refused action
 * changes nothing and the replay goes on, so one bad action shows as its line and the lines of
 * whatever it changed.
 */
export function checkReplay(replay: Replay): ReplayMismatch[] {
  const { setup, actions } = replay;
  let game: rules.GameState;
  try {
    game = rules.newGame(setup.players, { seed: setup.seed, maxRounds: setup.options.maxRounds });
  } catch (e) {
    return [{ index: -1, seq: 0, expected: "", actual: null, problem: `the setup is refused by the rules: ${(e as Error).message}` }];
  }
  const mismatches: ReplayMismatch[] = [];
  actions.forEach((action, index) => {
    const previous = actions[index - 1];
    if (previous && action.seq !== previous.seq + 1) {
      mismatches.push({ index, seq: action.seq, expected: action.hash, actual: null, problem: `seq ${action.seq} does not follow seq ${previous.seq}` });
    }
    const result = action.type === "forfeit" ? rules.forfeit(game, action.player) : rules.apply(game, action.player, { type: action.type });
    if (!result.ok) {
      mismatches.push({ index, seq: action.seq, expected: action.hash, actual: null, problem: `${action.type} by ${action.player} is refused: ${result.error.code}` });
      return;
    }
    game = result.state;
    const actual = stateHash(game);
    if (actual !== action.hash) {
      mismatches.push({ index, seq: action.seq, expected: action.hash, actual, problem: `${action.type} by ${action.player} gives hash ${actual}, not ${action.hash}` });
    }
  });
  return mismatches;
}
