/**
 * The message contract of the `game` room: what clients may send (zod schemas) and what the server
 * sends back. docs/protocol.md describes the same contract for people.
 */
import { z } from "zod";
import type { ActionErrorCode } from "./errors.ts";

export const MAX_OP_ID = 64;
export const MAX_CHAT = 200;

const opId = z
  .string({ message: "opId must be a string" })
  .min(1, { message: "opId must not be empty" })
  .max(MAX_OP_ID, { message: `opId must be at most ${MAX_OP_ID} characters` })
  .optional();

const bare = z.strictObject({ opId });

/** Every message a client may send, by type. Unknown keys are refused, so a typo never passes silently. */
export const clientMessages = {
  ready: z.strictObject({ ready: z.boolean({ message: "ready must be true or false" }), opId }),
  start: bare,
  roll: bare,
  buy: bare,
  pass: bare,
  end_turn: bare,
  pay_bail: bare,
  /** The host, after the game: play again in the same room (see docs/protocol.md). */
  rematch: bare,
  chat: z.strictObject({
    text: z
      .string({ message: "text must be a string" })
      .transform((s) => s.trim())
      .pipe(
        z
          .string()
          .min(1, { message: "text must not be empty" })
          .max(MAX_CHAT, { message: `text must be at most ${MAX_CHAT} characters` }),
      ),
    opId,
  }),
} as const;

export type ClientMessageType = keyof typeof clientMessages;
export type ClientMessage<T extends ClientMessageType> = z.infer<(typeof clientMessages)[T]>;
export const CLIENT_MESSAGE_TYPES = Object.keys(clientMessages) as ClientMessageType[];

/** The game actions the rules apply (the rest are lobby actions or chat). */
export const GAME_ACTIONS = ["roll", "buy", "pass", "end_turn", "pay_bail"] as const;
export type GameActionType = (typeof GAME_ACTIONS)[number];

/** Server -> client messages. */
export interface ErrorMessage {
  opId?: string;
  code: ActionErrorCode;
  message: string;
}
export interface AckMessage {
  opId: string | null;
  seq: number;
}
export interface EventMessage {
  seq: number;
  type: string;
  [field: string]: unknown;
}
export interface ChatMessage {
  from: string;
  name: string;
  text: string;
  at: number;
  /** A spectator's line (`from` is the spectator's sessionId, not a player's). */
  spectator?: true;
}

/**
 * Sent to one player right after they are seated, and again after every reconnect or rejoin: the
 * secret that takes the seat back (`POST /rooms/:code/rejoin`) whatever happened in between.
 */
export interface SeatMessage {
  seatToken: string;
}

/**
 * The close code that means "rejoin": the server is stopping (a deploy) or the room moved to
 * another process. The client takes its seat back with its seat token.
 */
export const CLOSE_REJOIN = 4100;

/**
 * The close code of a connection whose seat another device of the same player (the same token
 * identity) has taken: that device plays the seat now. Not a reason to reconnect.
 */
export const CLOSE_TAKEN_OVER = 4101;

/** Sent to a player when they join or come back: the room's latest events and chat lines, oldest first. */
export interface HistoryMessage {
  events: EventMessage[];
  chats: ChatMessage[];
}
export const HISTORY_EVENTS = 150;
export const HISTORY_CHATS = 100;

/** The opId of a payload that failed validation, when it still carries a usable one (so the refusal can name it). */
export function salvageOpId(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null || !Object.hasOwn(payload, "opId")) return undefined;
  const value = (payload as { opId?: unknown }).opId;
  return typeof value === "string" && value.length > 0 && value.length <= MAX_OP_ID ? value : undefined;
}
