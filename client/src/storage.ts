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
export const forgetSeat = () => safely(() => sessionStorage.removeItem(SEAT_KEY), undefined);
