/**
 * What the browser remembers: the display name and each room's seat token (localStorage, across
 * visits and tabs: the link `/?code=NNNNNN` takes the seat back), and which room this tab is seated
 * in with its reconnection token, or which room it watches (sessionStorage: a reload resumes the seat
 * or the watching, a new tab does not).
 */
const NAME_KEY = "boardroom.name";
const SEAT_KEY = "boardroom.seat";
const ROOM_KEY = "boardroom.room";
const WATCH_KEY = "boardroom.watching";
const TOKEN_PREFIX = "boardroom.seatToken.";
/** Seat tokens outlive no room this long: older ones are dropped at start. */
const TOKEN_MAX_AGE_MS = 7 * 24 * 3600_000;

function safely<T>(action: () => T, fallback: T): T {
  try {
    return action();
  } catch {
    return fallback; // storage disabled (private mode, blocked cookies): the app still works for this visit
  }
}

export const savedName = () => safely(() => localStorage.getItem(NAME_KEY) ?? "", "");
export const saveName = (name: string) => safely(() => localStorage.setItem(NAME_KEY, name), undefined);

/** This tab's seat: the reconnection token of the current connection and the room's code. */
export const savedSeat = () => safely(() => sessionStorage.getItem(SEAT_KEY), null);
export const savedRoom = () => safely(() => sessionStorage.getItem(ROOM_KEY), null);
export const saveSeat = (reconnectionToken: string) => safely(() => sessionStorage.setItem(SEAT_KEY, reconnectionToken), undefined);
export const saveRoom = (code: string) => safely(() => sessionStorage.setItem(ROOM_KEY, code), undefined);
export const forgetSeat = () =>
  safely(() => {
    sessionStorage.removeItem(SEAT_KEY);
    sessionStorage.removeItem(ROOM_KEY);
    sessionStorage.removeItem(WATCH_KEY);
  }, undefined);

/** The room this tab watches (a spectator has no seat: after a reload it joins again as a spectator). */
export const watchedRoom = () => safely(() => sessionStorage.getItem(WATCH_KEY), null);
export const saveWatching = (code: string) => safely(() => sessionStorage.setItem(WATCH_KEY, code), undefined);

/** The seat token of a room (by its join code), what `POST /rooms/:code/rejoin` takes. */
export function seatTokenOf(code: string): string | null {
  return safely(() => {
    const saved = JSON.parse(localStorage.getItem(TOKEN_PREFIX + code) ?? "null") as { seatToken?: unknown } | null;
    return typeof saved?.seatToken === "string" ? saved.seatToken : null;
  }, null);
}

export const saveSeatToken = (code: string, seatToken: string) =>
  safely(() => localStorage.setItem(TOKEN_PREFIX + code, JSON.stringify({ seatToken, savedAt: Date.now() })), undefined);

export const forgetSeatToken = (code: string) => safely(() => localStorage.removeItem(TOKEN_PREFIX + code), undefined);

/** Drops the tokens of rooms last seen long ago (closed tabs of games that have long ended). */
export function pruneSeatTokens(now = Date.now()) {
  safely(() => {
    for (const key of Object.keys(localStorage)) {
      if (!key.startsWith(TOKEN_PREFIX)) continue;
      let savedAt = 0;
      try {
        savedAt = Number((JSON.parse(localStorage.getItem(key) ?? "null") as { savedAt?: unknown } | null)?.savedAt) || 0;
      } catch {
        // unreadable: dropped below
      }
      if (now - savedAt > TOKEN_MAX_AGE_MS) localStorage.removeItem(key);
    }
  }, undefined);
}
