/**
 * The room's `event` messages told as sentences, with player and tile names. A move the server made
 * for a player (`auto: true`: the turn time ran out, or the player is away) says so.
 */
import type { EventMessage } from "../../src/messages/contract.ts";
import type { Tile } from "./api.ts";
import { money } from "./format.ts";

export interface Cast {
  name(sessionId: unknown): string;
  tile(index: unknown): Tile | undefined;
  /** The player is disconnected (the server plays their turns at once, not after their time). */
  away?(sessionId: unknown): boolean;
}

/** The move of this event was the server's, made for the player on turn (not the next turn's start, nor the end). */
export function serverPlayed(event: EventMessage): boolean {
  return event.auto === true && event.type !== "turn_started" && event.type !== "game_over";
}

const JAIL_REASONS: Record<string, string> = {
  go_to_jail_tile: "landed on Go to Jail",
  card: "drew a card",
  three_doubles: "rolled doubles three times",
};

const LEAVE_JAIL: Record<string, string> = {
  doubles: "rolled doubles and left jail",
  bail: "left jail",
  forced: "left jail after three tries without doubles",
};

/** The sentence for one event, or null for events that say nothing to people. */
export function narrate(event: EventMessage, cast: Cast): string | null {
  const who = cast.name(event.player);
  const tileName = (i: unknown) => cast.tile(i)?.name ?? `tile ${String(i)}`;
  const amount = money(Number(event.amount ?? 0));
  if (serverPlayed(event)) {
    const why = cast.away?.(event.player) ? `${who} is away` : "Time ran out";
    if (event.type === "dice_rolled") {
      const [a, b] = Array.isArray(event.dice) ? (event.dice as number[]) : [0, 0];
      return `${why}: the server rolled for ${who}: ${a} + ${b} = ${a + b}${event.doubles ? " (doubles!)" : ""}.`;
    }
    if (event.type === "passed") return `${why}: the server did not buy ${tileName(event.tile)} for ${who}.`;
  }
  switch (event.type) {
    case "game_started": {
      const order = Array.isArray(event.turnOrder) ? event.turnOrder.map((id) => cast.name(id)).join(", ") : "";
      return `The game has started. Turn order: ${order}.`;
    }
    case "turn_started":
      return `Round ${String(event.round)}: ${who}'s turn.`;
    case "dice_rolled": {
      const [a, b] = Array.isArray(event.dice) ? (event.dice as number[]) : [0, 0];
      return `${who} rolled ${a} + ${b} = ${a + b}${event.doubles ? " (doubles!)" : ""}.`;
    }
    case "moved":
      return `${who} moved to ${tileName(event.to)}.`;
    case "passed_go":
      return `${who} passed Go and collected ${amount}.`;
    case "bought":
      return `${who} bought ${tileName(event.tile)} for ${money(Number(event.price ?? 0))}.`;
    case "passed":
      return `${who} did not buy ${tileName(event.tile)}.`;
    case "rent_paid":
      return `${who} paid ${amount} rent to ${cast.name(event.owner)} for ${tileName(event.tile)}.`;
    case "tax_paid":
      return `${who} paid ${amount} for ${tileName(event.tile)}.`;
    case "card_drawn":
      return `${who} drew ${event.deck === "chance" ? "a Chance" : "a Community Chest"} card: “${String(event.text ?? "")}”`;
    case "money_collected":
      return `${who} collected ${amount}.`;
    case "money_paid":
      return event.reason === "bail" ? `${who} paid ${amount} bail.` : `${who} paid ${amount}.`;
    case "jailed":
      return `${who} went to jail (${JAIL_REASONS[String(event.reason)] ?? "sent there"}).`;
    case "left_jail":
      return `${who} ${LEAVE_JAIL[String(event.how)] ?? "left jail"}.`;
    case "bankrupt":
      if (event.reason === "forfeit") return `${who} left the game and forfeits.`;
      return event.creditor ? `${who} went bankrupt, owing ${cast.name(event.creditor)}.` : `${who} went bankrupt.`;
    case "rematch":
      return `Play again: game ${String(event.match ?? "")} of this room, with the same seats. Waiting for everyone to get ready.`;
    case "game_over": {
      const why = event.reason === "round_limit" ? "the round limit was reached" : "they are the last player standing";
      return event.winner ? `Game over: ${cast.name(event.winner)} wins (${why}).` : "Game over.";
    }
    default:
      return `${event.type.replace(/_/g, " ")}${event.player ? `: ${who}` : ""}.`;
  }
}
