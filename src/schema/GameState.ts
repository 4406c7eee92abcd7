/** The synchronized state of a `game` room: shape only. Rooms write it; clients read it. */
import { schema, t, type SchemaType } from "@colyseus/schema";

export const Player = schema(
  {
    id: t.string().default(""),
    name: t.string().default(""),
    seat: t.uint8().default(0),
    ready: t.boolean().default(false),
    connected: t.boolean().default(true),
  },
  "Player",
);
export type Player = SchemaType<typeof Player>;

export const GameState = schema(
  {
    code: t.string().default(""),
    phase: t.string().default("lobby"),
    hostId: t.string().default(""),
    maxPlayers: t.uint8().default(5),
    players: t.map(Player),
    turnOrder: t.array("string"),
    currentTurn: t.string().default(""),
    seq: t.uint32().default(0),
  },
  "GameState",
);
export type GameState = SchemaType<typeof GameState>;
