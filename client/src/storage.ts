/**
 * What the browser remembers: the display name (localStorage, across visits) and the reconnection
 * token of the room this tab is seated in (sessionStorage: a reload resumes the seat, a new tab does not).
 */
const NAME_KEY = "boardroom.name";
const SEAT_KEY = "boardroom.seat";

function safely<T>(action: () => T, fallback: T): T {
  try {
    return action();
  } catch {
    return fallback; // storage disabled (private mode, blocked cookies): the app still works for this visit
  }
}

export const savedName = () => safely(() => localStorage.getItem(NAME_KEY) ?? "", "");
export const saveName = (name: string) => safely(() => localStorage.setItem(NAME_KEY, name), undefined);

export const savedSeat = () => safely(() => sessionStorage.getItem(SEAT_KEY), null);
export const saveSeat = (reconnectionToken: string) => safely(() => sessionStorage.setItem(SEAT_KEY, reconnectionToken), undefined);
export const forgetSeat = () =>
  safely(() => {
    sessionStorage.removeItem(SEAT_KEY);
    sessionStorage.removeItem(LOG_KEY);
  }, undefined);

/**
 * The event log and chat of the room this tab is seated in, so a reload shows what happened before it
 * (the server sends events as they happen and has no replay; what happens while the tab is away is missed).
 */
const LOG_KEY = "boardroom.log";

export interface SavedLog<E, C> {
  roomId: string;
  events: E[];
  chats: C[];
}

export function savedLog<E, C>(roomId: string): SavedLog<E, C> | null {
  return safely(() => {
    const log = JSON.parse(sessionStorage.getItem(LOG_KEY) ?? "null") as SavedLog<E, C> | null;
    return log && log.roomId === roomId && Array.isArray(log.events) && Array.isArray(log.chats) ? log : null;
  }, null);
}

export const saveLog = <E, C>(log: SavedLog<E, C>) => safely(() => sessionStorage.setItem(LOG_KEY, JSON.stringify(log)), undefined);
