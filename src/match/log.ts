/**
 * The match log: a room is its log. Every accepted change to a room is one entry; the room's whole
 * state (seats, host, ready flags, the game, the opIds it answered, the turn deadline, the recent
 * events and chat) is what `replay` makes of the entries, in order. Entries are plain JSON and
 * carry everything that is not a pure function of the entries before them: the time, the seed, the
 * deadline the room set, the seat token's hash.
 */
import type { Action } from "../game/index.ts";

/** The room's fixed setup, from its create options. */
export interface MatchOptions {
  private: boolean;
  maxPlayers: number;
  maxRounds: number;
  turnSeconds: number;
  /** Spectators may chat (absent in logs written before spectators: they may). */
  spectatorChat?: boolean;
}

interface Stamped {
  /** Epoch milliseconds when the room accepted the entry. */
  at: number;
}
interface Answered {
  /** The client's opId, remembered so that a repeat is answered with the same ack and not applied. */
  opId?: string;
}
/** The turn deadline (epoch ms) the room set after the entry; 0 when none. */
interface Timed {
  deadline: number;
}

export type LogEntry =
  | (Stamped & { t: "open"; code: string; options: MatchOptions })
  /** `identity`: the `sub` of the player's token when player tokens are on (absent in logs written without). */
  | (Stamped & { t: "seat"; id: string; name: string; seat: number; tokenHash: string; identity?: string })
  /** A deliberate leave: removed in the lobby, a forfeit during a game. */
  | (Stamped & Partial<Timed> & { t: "leave"; id: string })
  /** The reconnection window of a player ran out during a game: the server plays their turns, faster. */
  | (Stamped & Timed & { t: "gone"; id: string })
  /** A gone player took their seat back (a rejoin): they play their own turns again. */
  | (Stamped & Timed & { t: "back"; id: string })
  | (Stamped & Answered & { t: "ready"; id: string; ready: boolean })
  | (Stamped & Answered & Timed & { t: "start"; id: string; seed: number })
  | (Stamped & Answered & Timed & { t: "act"; id: string; action: Action["type"] })
  /** The deadline passed: the server played the rest of `id`'s turn with the rules' default moves. */
  | (Stamped & Timed & { t: "auto"; id: string })
  /**
   * A chat line; `spectator`: sent by a spectator (not seated), whose `name` the entry carries
   * since no seat has it.
   */
  | (Stamped & Answered & { t: "chat"; id: string; text: string; spectator?: { name: string } })
  /**
   * The host's "play again" after a finished game: the room is a lobby again, with the same code,
   * the players `keep` names (those connected or within their reconnection window) in their seats,
   * nobody ready; the next `start` begins the next match (its number one more) with a new seed.
   */
  | (Stamped & Answered & { t: "rematch"; id: string; keep: string[] });

export type EntryType = LogEntry["t"];
