/**
 * A room as data: the state that its match log (src/match/log.ts) makes, and the pure step that
 * applies one entry. The room proposes an entry, and only once the entry is committed adopts the
 * state that `step` made of it; a restore is `replay` of the stored entries, so the live room and a
 * restored one cannot differ. No Colyseus, no database, no clock: time comes in the entries.
 */
import * as rules from "../game/index.ts";
import { freeSeat, hostAfterLeave, nameTaken, seatOrder, startRefusal } from "../game/lobby.ts";
import type { AckMessage, ChatMessage, EventMessage } from "../messages/contract.ts";
import { HISTORY_CHATS, HISTORY_EVENTS } from "../messages/contract.ts";
import type { ActionErrorCode, JoinErrorName } from "../messages/errors.ts";
import type { LogEntry, MatchOptions } from "./log.ts";

export type Phase = "lobby" | "playing" | "finished";

export interface SeatState {
  id: string;
  name: string;
  seat: number;
  ready: boolean;
  /** SHA-256 (hex) of the seat token the player was given; the token itself is never stored. */
  tokenHash: string;
  /** The reconnection window ran out during the game: the server plays their turns after AWAY_TURN_SECONDS. */
  gone: boolean;
  /** Left deliberately (forfeited) during the game: cannot come back. */
  left: boolean;
  /** The player's token identity (`sub`), null for a player seated without player tokens. */
  identity: string | null;
}

export interface Match {
  /** Entries applied so far (the position of the last one in the log). */
  n: number;
  /** The room's match number: 1 for its first game, one more after each rematch. */
  number: number;
  code: string;
  options: MatchOptions;
  phase: Phase;
  /** In the order they were seated. */
  players: SeatState[];
  hostId: string;
  /** The synchronized `seq`: bumped by every accepted action. */
  seq: number;
  game: rules.GameState | null;
  startedAt: number | null;
  endedAt: number | null;
  /** When the server plays the current turn itself (epoch ms); 0 outside a game. */
  deadline: number;
  /** Every opId each player's accepted messages carried, with the seq they were acknowledged at. */
  ops: Record<string, OpMemory>;
  /** The latest events and chat lines, replayed to a player who joins or comes back. */
  events: EventMessage[];
  chats: ChatMessage[];
}

export type Refusal = { code: ActionErrorCode | JoinErrorName; message: string };

export interface Stepped {
  ok: true;
  match: Match;
  /** What to broadcast, in order (each carries the seq of the action that caused it). */
  events: EventMessage[];
  chat: ChatMessage | null;
  /** The answer to the sender, for entries a client asked for. */
  ack: AckMessage | null;
}
export type StepResult = Stepped | { ok: false; error: Refusal };

/** Most moves the server plays in a row for one absent player's turn (doubles re-roll; the rules end it far sooner). */
const MAX_AUTO_ACTIONS = 32;

export function openMatch(entry: Extract<LogEntry, { t: "open" }>): Match {
  return {
    n: 1,
    number: 1,
    code: entry.code,
    options: { ...entry.options },
    phase: "lobby",
    players: [],
    hostId: "",
    seq: 0,
    game: null,
    startedAt: null,
    endedAt: null,
    deadline: 0,
    ops: {},
    events: [],
    chats: [],
  };
}

/** Rebuilds a room from its whole log. Throws on a log the rules refuse (it was not written by a room). */
export function replay(entries: readonly LogEntry[]): Match {
  const [first, ...rest] = entries;
  if (first?.t !== "open") throw new Error("a match log starts with its open entry");
  let match = openMatch(first);
  for (const entry of rest) {
    const result = step(match, entry);
    if (!result.ok) throw new Error(`log entry ${match.n + 1} (${entry.t}) is refused on replay: ${result.error.code}`);
    match = result.match;
  }
  return match;
}

/**
 * The opIds of one player's accepted messages in this game, each with the seq it was answered with.
 * Immutable like the rest of the match, and growing by one entry per message: chunks of at most
 * OP_CHUNK entries, of which a new entry copies only the last (copying one record of every opId made
 * each message cost as much as all the player's earlier ones). Own properties only: an opId such as
 * "toString" or "__proto__" is an opId like any other.
 */
export type OpMemory = ReadonlyArray<Readonly<Record<string, number>>>;
const OP_CHUNK = 64;

/** The ack a repeated opId gets (the one it got the first time), or null for an opId not seen. */
export function repeatedOp(match: Match, playerId: string, opId: string | undefined): AckMessage | null {
  if (opId === undefined) return null;
  for (const chunk of match.ops[playerId] ?? []) {
    if (Object.hasOwn(chunk, opId)) return { opId, seq: chunk[opId] };
  }
  return null;
}

export function seatOfToken(match: Match, tokenHash: string): SeatState | null {
  return match.players.find((p) => p.tokenHash === tokenHash) ?? null;
}

export function seatOfIdentity(match: Match, identity: string): SeatState | null {
  return match.players.find((p) => p.identity === identity) ?? null;
}

export interface Timing {
  awayTurnSeconds: number;
}

/**
 * Applies an entry the room is about to log, and fills in the deadline it sets: the room logs the
 * returned entry, so a replay sets the same deadline whatever the settings are then.
 */
export function propose(match: Match, entry: LogEntry, timing: Timing): { entry: LogEntry; result: StepResult } {
  const result = step(match, entry);
  if (!result.ok || !("deadline" in entry || entry.t === "leave")) return { entry, result };
  const deadline = deadlineAfter(match, result.match, entry, timing);
  const timed = { ...entry, deadline } as LogEntry;
  result.match.deadline = deadline;
  return { entry: timed, result };
}

function deadlineAfter(before: Match, next: Match, entry: LogEntry, timing: Timing): number {
  if (!next.game || next.game.finished) return 0;
  const current = rules.currentPlayerId(next.game);
  if (!current) return 0;
  // someone else going or coming back does not change the current player's deadline
  if ((entry.t === "gone" || entry.t === "back") && entry.id !== current) return before.deadline;
  const seat = next.players.find((p) => p.id === current);
  const seconds = seat?.gone ? Math.min(next.options.turnSeconds, timing.awayTurnSeconds) : next.options.turnSeconds;
  return entry.at + seconds * 1000;
}

/** Applies one entry without changing `match`. */
export function step(match: Match, entry: LogEntry): StepResult {
  switch (entry.t) {
    case "open":
      return refuse("INVALID_MESSAGE", "A room is opened once.");
    case "seat":
      return seat(match, entry);
    case "leave":
      return leave(match, entry);
    case "gone":
      return gone(match, entry);
    case "back":
      return back(match, entry);
    case "ready":
      return ready(match, entry);
    case "start":
      return start(match, entry);
    case "act":
      return act(match, entry);
    case "auto":
      return auto(match, entry);
    case "chat":
      return chat(match, entry);
    case "rematch":
      return rematch(match, entry);
  }
}

// --- entries ------------------------------------------------------------------------------------

function seat(match: Match, e: Extract<LogEntry, { t: "seat" }>): StepResult {
  if (match.phase !== "lobby") return refuse("GAME_STARTED", "This game has already started.");
  if (match.players.some((p) => p.id === e.id)) return refuse("INVALID_OPTIONS", "This player is already seated.");
  // one seat per identity (its sessionId is the same everywhere, so this holds unless the key changed)
  if (e.identity !== undefined && match.players.some((p) => p.identity === e.identity)) {
    return refuse("INVALID_OPTIONS", "You already have a seat in this room (under another session).");
  }
  if (nameTaken(match.players.map((p) => p.name), e.name)) {
    return refuse("NAME_TAKEN", `The name "${e.name}" is already taken in this room.`);
  }
  const free = freeSeat(match.players, match.options.maxPlayers);
  if (free === null) return refuse("ROOM_FULL", `This room is full (${match.options.maxPlayers} players).`);
  if (e.seat !== free) return refuse("INVALID_OPTIONS", `Seat ${e.seat} is not the next free seat (${free}).`);
  const players = [...match.players, { id: e.id, name: e.name, seat: e.seat, ready: false, tokenHash: e.tokenHash, gone: false, left: false, identity: e.identity ?? null }];
  return done(match, { n: match.n + 1, players, hostId: match.hostId || e.id });
}

/** The seat a player joining now gets (the lowest free one), for the room to put in its seat entry. */
export function nextSeat(match: Match): number | null {
  return freeSeat(match.players, match.options.maxPlayers);
}

/**
 * The entry for a player who is no longer here (`consented`: they left; else their connection's
 * window ran out): removed in the lobby, forfeit (a leave) or gone (the server plays their turns) in
 * a game, out of a rematch after it; null when nothing changes (already gone or left).
 */
export function departure(match: Match, playerId: string, consented: boolean, at: number): LogEntry | null {
  const seat = match.players.find((p) => p.id === playerId);
  if (!seat) return null;
  if (match.phase === "lobby" || (match.phase !== "playing" && !seat.left) || (consented && !seat.left)) return { t: "leave", at, id: playerId };
  if (!seat.gone && !seat.left) return { t: "gone", at, id: playerId, deadline: 0 };
  return null;
}

function leave(match: Match, e: Extract<LogEntry, { t: "leave" }>): StepResult {
  const player = match.players.find((p) => p.id === e.id);
  if (!player) return refuse("UNKNOWN_PLAYER", "You are not seated in this room.");
  if (match.phase === "lobby") {
    const hostId = hostAfterLeave(match.players, match.hostId, e.id);
    const { [e.id]: _forgotten, ...ops } = match.ops;
    return done(match, { n: match.n + 1, players: match.players.filter((p) => p.id !== e.id), hostId, ops });
  }
  if (match.phase === "finished") return leaveFinished(match, e.id);
  const players = withPlayer(match.players, e.id, { left: true });
  const result = rules.forfeit(match.game!, e.id);
  if (!result.ok) return refuse(result.error.code, result.error.message);
  return played(match, { players, n: match.n + 1 }, [result], e.at, e.deadline ?? match.deadline);
}

/**
 * Leaving after the game (deliberately, or the reconnection window ran out): the seat stays in the
 * results and is left out of a rematch; the host role passes to the next seat still here.
 */
function leaveFinished(match: Match, id: string): StepResult {
  const player = match.players.find((p) => p.id === id)!;
  if (player.left) return refuse("GAME_OVER", "The game is over.");
  const here = match.players.filter((p) => p.id === id || (!p.left && !p.gone));
  const hostId = hostAfterLeave(here, match.hostId, id) || match.hostId;
  return done(match, { n: match.n + 1, players: withPlayer(match.players, id, { left: true }), hostId });
}

function gone(match: Match, e: Extract<LogEntry, { t: "gone" }>): StepResult {
  if (match.phase !== "playing") return refuse("WRONG_PHASE", "Only a player of a running game can be gone.");
  if (!match.players.some((p) => p.id === e.id)) return refuse("UNKNOWN_PLAYER", "You are not seated in this room.");
  return done(match, { n: match.n + 1, players: withPlayer(match.players, e.id, { gone: true }), deadline: e.deadline });
}

function back(match: Match, e: Extract<LogEntry, { t: "back" }>): StepResult {
  const player = match.players.find((p) => p.id === e.id);
  if (!player) return refuse("UNKNOWN_PLAYER", "You are not seated in this room.");
  if (!player.gone) return refuse("WRONG_PHASE", "That player is not gone.");
  return done(match, { n: match.n + 1, players: withPlayer(match.players, e.id, { gone: false }), deadline: e.deadline });
}

function ready(match: Match, e: Extract<LogEntry, { t: "ready" }>): StepResult {
  if (!match.players.some((p) => p.id === e.id)) return refuse("UNKNOWN_PLAYER", "You are not seated in this room.");
  if (match.phase !== "lobby") return refuse("WRONG_PHASE", "Ready only counts in the lobby.");
  const seq = match.seq + 1;
  return done(match, { n: match.n + 1, seq, players: withPlayer(match.players, e.id, { ready: e.ready }), ops: remember(match.ops, e.id, e.opId, seq) }, [], ackOf(e.opId, seq));
}

function start(match: Match, e: Extract<LogEntry, { t: "start" }>): StepResult {
  if (!match.players.some((p) => p.id === e.id)) return refuse("UNKNOWN_PLAYER", "You are not seated in this room.");
  if (match.phase !== "lobby") return refuse("WRONG_PHASE", "The game has already started.");
  const refusal = startRefusal(match.players, match.hostId, e.id);
  if (refusal) return refuse(refusal.code, refusal.message);
  const roster = [...match.players].sort((a, b) => a.seat - b.seat).map((p) => ({ id: p.id, name: p.name, seat: p.seat }));
  const game = rules.newGame(roster, { seed: e.seed, maxRounds: match.options.maxRounds });
  const seq = match.seq + 1;
  const turnOrder = game.players.map((p) => p.id);
  const events: EventMessage[] = [
    { type: "game_started", turnOrder, seq },
    { type: "turn_started", player: rules.currentPlayerId(game), round: game.round, seq },
  ];
  return done(
    match,
    { n: match.n + 1, seq, phase: "playing", game, startedAt: e.at, deadline: e.deadline, ops: remember(match.ops, e.id, e.opId, seq) },
    events,
    ackOf(e.opId, seq),
  );
}

function act(match: Match, e: Extract<LogEntry, { t: "act" }>): StepResult {
  if (!match.players.some((p) => p.id === e.id)) return refuse("UNKNOWN_PLAYER", "You are not seated in this room.");
  if (!match.game || match.phase !== "playing") {
    return refuse("WRONG_PHASE", match.phase === "lobby" ? "The game has not started yet." : "The game is over.");
  }
  const result = rules.apply(match.game, e.id, { type: e.action });
  if (!result.ok) return refuse(result.error.code, result.error.message);
  const stepped = played(match, { n: match.n + 1 }, [result], e.at, e.deadline);
  if (!stepped.ok) return stepped;
  stepped.match.ops = remember(match.ops, e.id, e.opId, stepped.match.seq);
  stepped.ack = ackOf(e.opId, stepped.match.seq);
  return stepped;
}

function auto(match: Match, e: Extract<LogEntry, { t: "auto" }>): StepResult {
  if (!match.game || match.phase !== "playing") return refuse("WRONG_PHASE", "There is no turn to play.");
  if (rules.currentPlayerId(match.game) !== e.id) return refuse("NOT_YOUR_TURN", "It is not that player's turn.");
  const results: Array<Extract<rules.ApplyResult, { ok: true }>> = [];
  let game = match.game;
  for (let i = 0; i < MAX_AUTO_ACTIONS && !game.finished && rules.currentPlayerId(game) === e.id; i++) {
    const action = rules.autoAction(game);
    if (!action) break;
    const result = rules.apply(game, e.id, action);
    if (!result.ok) break;
    results.push(result);
    game = result.state;
  }
  // marked, so that a client can tell the turn the server played from one the player played
  return played(match, { n: match.n + 1 }, results, e.at, e.deadline, { auto: true });
}

function chat(match: Match, e: Extract<LogEntry, { t: "chat" }>): StepResult {
  const player = match.players.find((p) => p.id === e.id);
  if (!player && !e.spectator) return refuse("UNKNOWN_PLAYER", "You are not seated in this room.");
  if (!player && match.options.spectatorChat === false) return refuse("SPECTATOR", "Spectators cannot chat in this room.");
  const line: ChatMessage = player ? { from: e.id, name: player.name, text: e.text, at: e.at } : { from: e.id, name: e.spectator!.name, text: e.text, at: e.at, spectator: true };
  const stepped = done(match, { n: match.n + 1, chats: bounded(match.chats, [line], HISTORY_CHATS), ops: remember(match.ops, e.id, e.opId, match.seq) }, [], ackOf(e.opId, match.seq));
  stepped.chat = line;
  return stepped;
}

/**
 * Play again: the finished room becomes a lobby for its next match, with the kept players in their
 * seats (none ready), the same host, options and code. The finished match stays recorded; the next
 * `start` draws a new seed. The opIds remembered are the new game's (the rematch's own so far).
 */
function rematch(match: Match, e: Extract<LogEntry, { t: "rematch" }>): StepResult {
  if (!match.players.some((p) => p.id === e.id)) return refuse("UNKNOWN_PLAYER", "You are not seated in this room.");
  if (match.phase !== "finished") {
    return refuse("WRONG_PHASE", match.phase === "lobby" ? "There is no finished game to play again." : "The game is still being played.");
  }
  if (e.id !== match.hostId) return refuse("NOT_HOST", "Only the host can start a rematch.");
  const kept = new Set([...e.keep, e.id]);
  const players = match.players.filter((p) => kept.has(p.id) && !p.left).map((p) => ({ ...p, ready: false, gone: false }));
  const number = match.number + 1;
  const seq = match.seq + 1;
  const events: EventMessage[] = [{ type: "rematch", match: number, players: seatOrder(players), seq }];
  return done(
    match,
    { n: match.n + 1, number, seq, phase: "lobby", players, game: null, startedAt: null, endedAt: null, deadline: 0, ops: remember({}, e.id, e.opId, seq) },
    events,
    ackOf(e.opId, seq),
  );
}

// --- helpers ------------------------------------------------------------------------------------

/** Adopts a sequence of rules results: one seq per result, its events stamped with it, the end of the game noted. */
function played(
  match: Match,
  changes: Partial<Match>,
  results: ReadonlyArray<Extract<rules.ApplyResult, { ok: true }>>,
  at: number,
  deadline: number,
  mark: { auto?: true } = {},
): StepResult {
  let seq = match.seq;
  let game = match.game!;
  const events: EventMessage[] = [];
  for (const result of results) {
    seq++;
    game = result.state;
    for (const event of result.events) events.push({ ...event, ...mark, seq });
  }
  const finished = game.finished;
  return done(
    match,
    {
      ...changes,
      seq,
      game,
      phase: finished ? "finished" : "playing",
      endedAt: finished ? at : match.endedAt,
      deadline: finished ? 0 : deadline,
    },
    events,
  );
}

function done(match: Match, changes: Partial<Match>, events: EventMessage[] = [], ack: AckMessage | null = null): Stepped {
  const next: Match = { ...match, ...changes };
  if (events.length > 0) next.events = bounded(match.events, events, HISTORY_EVENTS);
  return { ok: true, match: next, events, chat: null, ack };
}

function refuse(code: string, message: string): { ok: false; error: Refusal } {
  return { ok: false, error: { code: code as Refusal["code"], message } };
}

function ackOf(opId: string | undefined, seq: number): AckMessage {
  return { opId: opId ?? null, seq };
}

function remember(ops: Match["ops"], playerId: string, opId: string | undefined, seq: number): Match["ops"] {
  if (opId === undefined) return ops;
  const chunks = Object.hasOwn(ops, playerId) ? ops[playerId] : [];
  const last = chunks.at(-1);
  // a computed key defines an own property, "__proto__" included
  const memory =
    last !== undefined && Object.keys(last).length < OP_CHUNK ? [...chunks.slice(0, -1), { ...last, [opId]: seq }] : [...chunks, { [opId]: seq }];
  return { ...ops, [playerId]: memory };
}

function withPlayer(players: SeatState[], id: string, changes: Partial<SeatState>): SeatState[] {
  return players.map((p) => (p.id === id ? { ...p, ...changes } : p));
}

function bounded<T>(list: readonly T[], added: readonly T[], max: number): T[] {
  const all = [...list, ...added];
  return all.length > max ? all.slice(all.length - max) : all;
}

/** sessionIds in seat order (the synchronized `turnOrder`). */
export function turnOrderOf(match: Match): string[] {
  return match.game ? match.game.players.map((p) => p.id) : seatOrder(match.players);
}
