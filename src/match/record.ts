/** The finished match as the store records it: pure, from the match (no room, no database). */
import * as rules from "../game/index.ts";
import type { MatchRecord } from "../store/types.ts";
import { stateHash } from "./hash.ts";
import type { Match } from "./match.ts";

/**
 * The finished match as the store records it; its key makes the record exactly once per game. It
 * links the match to its part of the room's log (see src/match/replay.ts): `logLastN` is the last
 * entry the room had applied (the game ended at or before it), and `finalHash` the final game state
 * as the room held it, which a replay of that log must reach.
 */
export function matchRecord(roomId: string, match: Match): MatchRecord {
  const game = match.game!;
  const gameOver = match.events.findLast((e) => e.type === "game_over");
  return {
    key: `${roomId}:${match.startedAt}`,
    roomId,
    code: match.code,
    seed: game.seed,
    startedAt: new Date(match.startedAt ?? 0),
    endedAt: new Date(match.endedAt ?? match.startedAt ?? 0),
    rounds: game.round,
    endReason: String(gameOver?.reason ?? "last_player_standing"),
    winnerName: game.players.find((p) => p.id === game.winner)?.name ?? "",
    players: rules.outcomes(game).map(({ id, ...result }) => ({ ...result, identity: match.players.find((p) => p.id === id)?.identity ?? null })),
    logLastN: match.n,
    finalHash: stateHash(game),
  };
}
