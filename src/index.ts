/**
 * Starts the server from arena.config.ts. The settings are parsed before anything else is loaded,
 * so a bad value stops the start with one line naming the variable.
 */
import { ConfigError, loadSettings, type Settings } from "./config.ts";

let settings: Settings;
try {
  settings = loadSettings();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}

const { listen } = await import("@colyseus/tools");
const { createServerConfig } = await import("../arena.config.ts");
const { config, parts } = createServerConfig(settings);
// listen() adds PM2's NODE_APP_INSTANCE to the port itself.
const server = await listen(config, settings.port);
server.onShutdown(() => parts.housekeeping.stop());
