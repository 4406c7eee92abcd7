/** Copies the rules' plain game state into the synchronized schema (only what changed is sent). */
import { outcomes, type GameState as Game } from "../game/index.ts";
import { turnOrderOf, type Match } from "../match/match.ts";
import { Player, type GameState } from "../schema/GameState.ts";

function setArray<T>(target: { length: number; at(i: number): T | undefined; clear(): void; push(...v: T[]): number; setAt?(i: number, v: T): void }, values: readonly T[]) {
  if (target.length !== values.length) {
    target.clear();
    target.push(...values);
    return;
  }
  values.forEach((v, i) => {
    if (target.at(i) !== v) (target as unknown as T[])[i] = v;
  });
}

export function project(game: Game, state: GameState) {
  for (const p of game.players) {
    const player = state.players.get(p.id);
    if (!player) continue;
    player.money = p.money;
    player.position = p.position;
    player.inJail = p.inJail;
    player.jailTurns = p.jailTurns;
    player.bankrupt = p.bankrupt;
  }
  if (game.finished) {
    for (const outcome of outcomes(game)) {
      const player = state.players.get(outcome.id);
      if (player) player.rank = outcome.rank;
    }
  }
  state.phase = game.finished ? "finished" : "playing";
  state.currentTurn = game.finished ? "" : game.players[game.current].id;
  state.stage = game.finished ? "" : game.stage;
  state.round = game.round;
  state.maxRounds = game.maxRounds;
  state.winner = game.winner ?? "";
  setArray(state.dice, game.dice ?? []);
  setArray(state.owners, game.owners.map((o) => o ?? ""));
}

/**
 * Copies a whole room (its match) into the synchronized state: seats, host, seq, deadline and,
 * while a game runs or after it, the game. `connected` tells which players have a live connection;
 * `spectators` is how many watch.
 */
export function projectMatch(match: Match, state: GameState, connected: (playerId: string) => boolean, spectators = 0) {
  state.code = match.code;
  state.matchNumber = match.number;
  state.spectators = spectators;
  state.maxPlayers = match.options.maxPlayers;
  state.maxRounds = match.options.maxRounds;
  state.turnSeconds = match.options.turnSeconds;
  state.private = match.options.private;
  state.spectatorChat = match.options.spectatorChat !== false;
  state.hostId = match.hostId;
  state.seq = match.seq;
  state.turnDeadline = match.deadline;

  const ids = new Set(match.players.map((p) => p.id));
  for (const id of [...state.players.keys()]) if (!ids.has(id)) state.players.delete(id);
  for (const seat of match.players) {
    let player = state.players.get(seat.id);
    if (!player) {
      player = new Player({ id: seat.id, name: seat.name, seat: seat.seat });
      state.players.set(seat.id, player);
    }
    player.name = seat.name;
    player.seat = seat.seat;
    player.ready = seat.ready;
    player.connected = connected(seat.id);
  }
  setArray(state.turnOrder, turnOrderOf(match));

  if (match.game) {
    project(match.game, state);
  } else {
    state.phase = match.phase;
    // a rematch's lobby: nothing of the last game stays on the players
    for (const player of state.players.values()) {
      player.money = 0;
      player.position = 0;
      player.inJail = false;
      player.jailTurns = 0;
      player.bankrupt = false;
      player.rank = 0;
    }
    state.currentTurn = "";
    state.stage = "";
    state.round = 0;
    state.winner = "";
    setArray(state.dice, []);
    setArray(state.owners, []);
  }
}
