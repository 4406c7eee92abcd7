/** Copies the rules' plain game state into the synchronized schema (only what changed is sent). */
import { outcomes, type GameState as Game } from "../game/index.ts";
import type { GameState } from "../schema/GameState.ts";

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
