/**
 * The room's listing: what the matchmaker keeps of a room for GET /rooms, GET /rooms/:code, quick
 * play and the lobby room (its metadata), and whether it takes joins at all (its lock). Private
 * rooms are never listed; their code still resolves. (relist.ts is the process's side: it puts the
 * listings of every room of the process back into a shared room cache that lost them.)
 */
import type { Room } from "@colyseus/core";
import type { Match } from "../match/match.ts";
import type { Headcount } from "./admission.ts";

export interface GameMetadata {
  code: string;
  phase: string;
  hostName: string;
  /** Seats of the room (the listing's maxClients counts spectators' places too). */
  maxPlayers: number;
  /** Spectators watching now (the listing's clients count them too). */
  spectators: number;
}

/** What a listing is made of, read when the listing changes. */
export interface ListedFacts {
  match: Match;
  /** Spectators watching now. */
  spectators: number;
  /** Seated and reserved, by kind (admission.ts). */
  headcount: Headcount;
}

/** The members of Colyseus's Room that set what the matchmaker lists of it. */
type ListedRoom = Pick<Room<{ metadata: GameMetadata }>, "roomId" | "metadata" | "locked" | "setPrivate" | "setMetadata" | "lock" | "setMatchmaking">;

export class Listing {
  constructor(
    private readonly room: ListedRoom,
    private readonly facts: () => ListedFacts,
    private readonly log: (line: string) => void,
  ) {}

  /** The listing a new or restored room starts with, set in onCreate, before the matchmaker records the room. */
  async open() {
    const facts = this.facts();
    if (facts.match.options.private) await this.room.setPrivate(true);
    await this.room.setMetadata(metadataOf(facts));
    if (shouldLock(facts)) await this.room.lock();
  }

  /** Brings the listing in line with the room (metadata and lock) in one update, when it differs. */
  relist() {
    const facts = this.facts();
    const metadata = metadataOf(facts);
    const locked = shouldLock(facts);
    const before = this.room.metadata;
    const same = before && (Object.keys(metadata) as Array<keyof GameMetadata>).every((key) => before[key] === metadata[key]);
    if (same && locked === this.room.locked) return;
    this.room.setMatchmaking({ locked, metadata }).catch((e: Error) => this.log(`room ${this.room.roomId}: could not update its listing: ${e.message}`));
  }
}

/** What the matchmaker and the lobby list of this room. */
function metadataOf({ match, spectators }: ListedFacts): GameMetadata {
  return { code: match.code, phase: match.phase, hostName: hostName(match), maxPlayers: match.options.maxPlayers, spectators };
}

/** Locked (out of quick play; a joinById answers GAME_STARTED / ROOM_FULL) while a game runs or after it, or every seat is taken or reserved. */
function shouldLock({ match, headcount }: ListedFacts): boolean {
  return match.phase !== "lobby" || headcount.players >= match.options.maxPlayers;
}

function hostName(match: Match): string {
  return match.players.find((p) => p.id === match.hostId)?.name ?? "";
}
