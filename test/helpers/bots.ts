/** Load-test bot settings for specs: quick moves, one-round games of two, short timeouts. */
import { DEFAULT_BOT_SETTINGS, type BotSettings } from "../../loadtest/bot.ts";

export function fastBots(endpoint: string, base: BotSettings = DEFAULT_BOT_SETTINGS): BotSettings {
  return { ...base, endpoints: [endpoint], thinkMs: 20, rounds: 1, turnSeconds: 1, groupSize: 2, lobbyWaitMs: 200, timeoutMs: 5000 };
}
