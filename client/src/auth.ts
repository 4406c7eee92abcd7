/**
 * Player tokens, as the server asks for them (GET /auth): none; a guest token it issues
 * (POST /auth/guest), kept in localStorage and renewed with the same identity before it expires; or
 * a token of the game's own account service that the hosting page stored under the same key. The
 * SDK sends the token (`sdk.auth.token`) on matchmaking and on the room's WebSocket; a rejoin sends
 * it as `Authorization: Bearer` (api.ts).
 */
import { Problem, sdk, serverUrl } from "./api.ts";

/** Where the token lives: `{ token, expiresAt }` (expiresAt: ISO time, or absent when unknown). */
const TOKEN_KEY = "boardroom.playerToken";
/** A token closer than this to its expiry is renewed before it is used. */
const RENEW_MARGIN_MS = 60_000;

interface Policy {
  required: boolean;
  guests: boolean;
}

interface Stored {
  token: string;
  expiresAt?: string;
}

let policy: Policy | null = null;
let renewal: ReturnType<typeof setTimeout> | null = null;

const read = (): Stored | null => {
  try {
    const stored = JSON.parse(localStorage.getItem(TOKEN_KEY) ?? "null") as Stored | null;
    return typeof stored?.token === "string" ? stored : null;
  } catch {
    return null;
  }
};

function store(stored: Stored | null) {
  try {
    if (stored) localStorage.setItem(TOKEN_KEY, JSON.stringify(stored));
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives in this page only
  }
  sdk.auth.token = stored?.token ?? "";
  scheduleRenewal(stored);
}

const expiresIn = (stored: Stored) => (stored.expiresAt ? Date.parse(stored.expiresAt) - Date.now() : Number.POSITIVE_INFINITY);

/** What the server asks for (asked once per page). */
async function serverPolicy(): Promise<Policy> {
  if (policy) return policy;
  try {
    const res = await fetch(serverUrl("/auth"), { headers: { Accept: "application/json" } });
    const body = (await res.json()) as Partial<Policy>;
    policy = { required: body.required === true, guests: body.guests === true };
  } catch {
    // an older server without the route: no tokens
    policy = { required: false, guests: false };
  }
  return policy;
}

async function requestGuest(name: string, renew: Stored | null): Promise<Stored> {
  let res: Response;
  try {
    res = await fetch(serverUrl("/auth/guest"), {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json", ...(renew ? { Authorization: `Bearer ${renew.token}` } : {}) },
      body: JSON.stringify(renew ? {} : { name }),
    });
  } catch {
    throw new Problem("Cannot reach the game server. Check your connection and try again.", "NETWORK");
  }
  const body = await res.json().catch(() => null);
  if (!res.ok || typeof body?.token !== "string") {
    throw new Problem(body?.error?.message ?? `The server answered ${res.status}.`, body?.error?.code ?? res.status);
  }
  return { token: body.token, expiresAt: body.expiresAt };
}

/** Renews a guest token halfway through its life, so a long game never plays on an expired one. */
function scheduleRenewal(stored: Stored | null) {
  if (renewal) clearTimeout(renewal);
  renewal = null;
  if (!stored?.expiresAt || !policy?.guests) return;
  const wait = Math.max(5_000, expiresIn(stored) / 2);
  renewal = setTimeout(() => {
    void requestGuest("", stored).then(store, () => scheduleRenewal(read()));
  }, Math.min(wait, 2 ** 31 - 1));
}

/**
 * Makes sure the SDK has a token when the server needs one: the stored one (renewed when close to
 * its expiry), else a new guest token under `name`. Throws a Problem when the server needs a token
 * this page cannot get (no guests, no stored account token).
 */
export async function ensurePlayerToken(name: string): Promise<void> {
  const { required, guests } = await serverPolicy();
  if (!required) return;
  const stored = read();
  if (stored && expiresIn(stored) > RENEW_MARGIN_MS) return store(stored);
  if (!guests) {
    if (stored && expiresIn(stored) > 0) return store(stored);
    throw new Problem("This server only lets signed-in players in: sign in on the game's site first.", "AUTH_REQUIRED");
  }
  // an unexpired guest token keeps its identity (its seats); an expired one cannot be renewed
  const renewed = stored && expiresIn(stored) > 0 ? await requestGuest(name, stored).catch(() => null) : null;
  store(renewed ?? (await requestGuest(name, null)));
}

/** The server refused the token (401): forget it, so the next attempt gets a new one. */
export function forgetPlayerToken() {
  store(null);
}
