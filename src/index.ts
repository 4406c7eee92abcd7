/**
 * Starts the server from arena.config.ts. The Node version and the settings are checked before
 * anything else is loaded, so an unsupported Node or a bad value stops the start with one line.
 */
import * as nodeModule from "node:module";
import v8 from "node:v8";
import { ConfigError, loadEnvFiles, loadSettings, type Settings } from "./config.ts";
import { unsupportedNode } from "./runtime.ts";
import { importColyseusTools } from "./tools.ts";

const unsupported = unsupportedNode(process.version, process.execPath);
if (unsupported) {
  console.error(unsupported);
  process.exit(1);
}

// V8 lets the old generation grow to up to 4x what survived its last full collection before it
// collects again; with thousands of players connected that headroom, not the live objects, was most
// of the RSS each player added: bench --memory measured 52.6 KB per player between 1,000 and 4,000
// players with V8's default and 26.1 KB with 1.5x (README, "Where the memory goes"), for more
// frequent major collections. Set here so that npm start, PM2 and the bench all get it; a
// --heap-growing-percent given to node wins (NODE_OPTIONS does not take this V8 flag).
const HEAP_GROWING_PERCENT = 50;
if (!process.execArgv.some((flag) => flag.startsWith("--heap-growing-percent"))) v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);

// V8's code for the modules, kept on disk (the OS's temp directory) from one start to the next:
// a restart after a deploy or a crash listens about a second sooner. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
nodeModule.enableCompileCache();

let settings: Settings;
let envFiles: string[];
try {
  envFiles = loadEnvFiles();
  settings = loadSettings();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}
if (envFiles.length > 0) console.log(`settings: read ${envFiles.join(" and ")} (the environment wins over them)`);

const { listen } = await importColyseusTools();
const { createServerConfig } = await import("../arena.config.ts");
const { config, parts } = createServerConfig(settings);
// listen() adds PM2's NODE_APP_INSTANCE to the port itself.
const server = await listen(config, settings.port);
server.onShutdown(() => parts.housekeeping.stop());
