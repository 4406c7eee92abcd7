/** The synchronized state of a `game` room: shape only. Rooms write it; clients read it. */
import { schema, t, type SchemaType } from "@colyseus/schema";

export const Player = schema(
  {
    id: t.string().default(""),
    name: t.string().default(""),
    seat: t.uint8().default(0),
    ready: t.boolean().default(false),
    connected: t.boolean().default(true),
    money: t.int32().default(0),
    position: t.uint8().default(0),
    inJail: t.boolean().default(false),
    jailTurns: t.uint8().default(0),
    bankrupt: t.boolean().default(false),
    /** Final place once the game is finished (1 = winner); 0 before. */
    rank: t.uint8().default(0),
  },
  "Player",
);
export type Player = SchemaType<typeof Player>;

export const GameState = schema(
  {
    code: t.string().default(""),
    /** "lobby" | "playing" | "finished" */
    phase: t.string().default("lobby"),
    hostId: t.string().default(""),
    maxPlayers: t.uint8().default(5),
    /** A private room is not listed anywhere and is reached only by its code. */
    private: t.boolean().default(false),
    players: t.map(Player),
    /** sessionIds in seat order; fixed when the game starts. */
    turnOrder: t.array("string"),
    /** sessionId of the player on turn; empty outside a game. */
    currentTurn: t.string().default(""),
    /** Bumped by every accepted action; every client sees the same strictly increasing sequence. */
    seq: t.uint32().default(0),
    /** "roll" | "decide" | "end" while playing; empty otherwise. */
    stage: t.string().default(""),
    /** The last roll: two values 1-6, empty before the first roll. */
    dice: t.array("uint8"),
    /** When the server plays the current turn itself (epoch milliseconds); 0 outside a game. */
    turnDeadline: t.float64().default(0),
    turnSeconds: t.float32().default(60),
    round: t.uint16().default(0),
    maxRounds: t.uint16().default(100),
    /** Owner sessionId per tile index (40 entries, "" = the bank); empty in the lobby. */
    owners: t.array("string"),
    /** sessionId of the winner once `phase` is "finished". */
    winner: t.string().default(""),
    /** The room's match: 1 for its first game, one more after each rematch. */
    matchNumber: t.uint16().default(1),
    /** Spectators watching now (not seated, not in `players`). */
    spectators: t.uint8().default(0),
    /** Whether spectators may chat (the room's `spectatorChat` option). */
    spectatorChat: t.boolean().default(true),
  },
  "GameState",
);
export type GameState = SchemaType<typeof GameState>;
