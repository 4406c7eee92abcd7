/**
 * Lobby rules: seats and the host role. Pure functions over plain data, shared by the room
 * (which copies the result into the schema) and the unit tests.
 */

export interface Seated {
  id: string;
  seat: number;
}

/** The lowest seat (0-based) not taken, or null when all `maxSeats` are taken. */
export function freeSeat(players: readonly Seated[], maxSeats: number): number | null {
  const taken = new Set(players.map((p) => p.seat));
  for (let seat = 0; seat < maxSeats; seat++) if (!taken.has(seat)) return seat;
  return null;
}

/** Player ids in seat order. */
export function seatOrder(players: readonly Seated[]): string[] {
  return [...players].sort((a, b) => a.seat - b.seat).map((p) => p.id);
}

/**
 * Who holds the host role after `leavingId` leaves: unchanged if someone else leaves, otherwise
 * the next seat after the leaver's (wrapping around), or "" when nobody is left.
 */
export function hostAfterLeave(players: readonly Seated[], hostId: string, leavingId: string): string {
  if (leavingId !== hostId) return hostId;
  const leaver = players.find((p) => p.id === leavingId);
  const others = [...players].filter((p) => p.id !== leavingId).sort((a, b) => a.seat - b.seat);
  if (others.length === 0) return "";
  if (!leaver) return others[0].id;
  return (others.find((p) => p.seat > leaver.seat) ?? others[0]).id;
}

/** A display name already used in the room, compared without case. */
export function nameTaken(names: Iterable<string>, name: string): boolean {
  const wanted = name.toLocaleLowerCase();
  for (const n of names) if (n.toLocaleLowerCase() === wanted) return true;
  return false;
}

export interface LobbyPlayer extends Seated {
  ready: boolean;
}

export type StartRefusal = { code: "NOT_HOST" | "NOT_ENOUGH_PLAYERS" | "NOT_READY"; message: string };

/** Whether `senderId` may start the game now: the host, with at least `minPlayers` seated, all ready. */
export function startRefusal(players: readonly LobbyPlayer[], hostId: string, senderId: string, minPlayers = 2): StartRefusal | null {
  if (senderId !== hostId) return { code: "NOT_HOST", message: "Only the host can start the game." };
  if (players.length < minPlayers) {
    return { code: "NOT_ENOUGH_PLAYERS", message: `At least ${minPlayers} players are needed to start.` };
  }
  const waiting = players.filter((p) => !p.ready).length;
  if (waiting > 0) return { code: "NOT_READY", message: `${waiting} player(s) are not ready yet.` };
  return null;
}
