/** Starts the server from arena.config.ts. */
import { listen } from "@colyseus/tools";
import { ConfigError, loadSettings } from "./config.ts";

let settings;
try {
  settings = loadSettings();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
const { createServerConfig } = await import("../arena.config.ts");

const { config, parts } = createServerConfig(settings);
const server = await listen(config, settings.port);
server.onShutdown(() => parts.housekeeping.stop());
