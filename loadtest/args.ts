/** Command-line flags of the load-test bots, shared by `npm run loadtest` and the bench. */
import { MIN_JWT_SECRET_LENGTH } from "../src/config.ts";
import { DEFAULT_BOT_SETTINGS, type BotSettings } from "./bot.ts";
import type { BotAuth } from "./tokens.ts";

export class UsageError extends Error {}

export function numberFlag(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${flag} must be a number from ${min} to ${max} (got "${value}")`);
  return n;
}

export const BOT_FLAGS = {
  endpoint: { type: "string" },
  "think-ms": { type: "string" },
  "private-ratio": { type: "string" },
  rounds: { type: "string" },
  "turn-seconds": { type: "string" },
  "group-size": { type: "string" },
  "lobby-wait-ms": { type: "string" },
  "timeout-ms": { type: "string" },
  "retry-for-ms": { type: "string" },
  "verify-acks": { type: "string" },
  auth: { type: "boolean" },
} as const;

export const BOT_FLAGS_HELP = `  --endpoint URL[,URL]   ws:// endpoint(s); bots spread over them     (default ws://127.0.0.1:2567)
  --think-ms MS          mean think time before each move             (default ${DEFAULT_BOT_SETTINGS.thinkMs})
  --private-ratio R      share of groups in private rooms by code     (default ${DEFAULT_BOT_SETTINGS.privateRatio}; the rest quick play)
  --rounds N             maxRounds of created rooms: N to 2N          (default ${DEFAULT_BOT_SETTINGS.rounds})
  --turn-seconds S       turnSeconds of created rooms                 (default ${DEFAULT_BOT_SETTINGS.turnSeconds})
  --group-size N         players per room, 2-5                        (default ${DEFAULT_BOT_SETTINGS.groupSize})
  --lobby-wait-ms MS     a quick-play host starts with 2+ after this  (default ${DEFAULT_BOT_SETTINGS.lobbyWaitMs})
  --timeout-ms MS        an answer/join/state change slower is an error (default ${DEFAULT_BOT_SETTINGS.timeoutMs})
  --retry-for-ms MS      keep trying to rejoin a seat / resend after UNAVAILABLE (default ${DEFAULT_BOT_SETTINGS.retryForMs})
  --verify-acks N        acked opIds re-sent after a rejoin, expecting the original ack (default ${DEFAULT_BOT_SETTINGS.verifyAcks})
  --auth                 each bot signs its own player token (HS256 with AUTH_JWT_SECRET from the
                         environment, and AUTH_AUDIENCE when set), for a server with player tokens on`;

/** --auth: the server's secret (and audience) from the environment the bots run in. */
export function botAuth(env: Record<string, string | undefined>): BotAuth {
  const secret = env.AUTH_JWT_SECRET?.trim() ?? "";
  if (secret.length < MIN_JWT_SECRET_LENGTH) {
    throw new UsageError(`--auth signs the bots' tokens with AUTH_JWT_SECRET: set it in the environment to the server's (at least ${MIN_JWT_SECRET_LENGTH} characters)`);
  }
  return { secret, audience: env.AUTH_AUDIENCE?.trim() || null };
}

export function botSettings(values: Record<string, string | boolean | undefined>, env: Record<string, string | undefined> = process.env): BotSettings {
  const d = DEFAULT_BOT_SETTINGS;
  const str = (k: string) => values[k] as string | undefined;
  const endpoints = (str("endpoint") ?? d.endpoints.join(",")).split(",").map((e) => e.trim()).filter(Boolean);
  for (const e of endpoints) {
    if (!/^wss?:\/\/[^/]+/.test(e)) throw new UsageError(`--endpoint must look like ws://127.0.0.1:2567 (got "${e}")`);
  }
  return {
    endpoints,
    thinkMs: numberFlag(str("think-ms"), "think-ms", d.thinkMs, 0, 60_000),
    privateRatio: numberFlag(str("private-ratio"), "private-ratio", d.privateRatio, 0, 1),
    rounds: Math.floor(numberFlag(str("rounds"), "rounds", d.rounds, 1, 500)),
    turnSeconds: numberFlag(str("turn-seconds"), "turn-seconds", d.turnSeconds, 0.01, 120),
    groupSize: Math.floor(numberFlag(str("group-size"), "group-size", d.groupSize, 2, 5)),
    lobbyWaitMs: numberFlag(str("lobby-wait-ms"), "lobby-wait-ms", d.lobbyWaitMs, 0, 600_000),
    timeoutMs: numberFlag(str("timeout-ms"), "timeout-ms", d.timeoutMs, 100, 600_000),
    retryForMs: numberFlag(str("retry-for-ms"), "retry-for-ms", d.retryForMs, 0, 3_600_000),
    verifyAcks: Math.floor(numberFlag(str("verify-acks"), "verify-acks", d.verifyAcks, 0, 100)),
    auth: values.auth === true ? botAuth(env) : null,
  };
}
