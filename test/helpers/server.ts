/** Boots the real server (arena.config.ts) with @colyseus/testing on a free port, with test settings. */
import { freePort } from "./net.ts";
import { boot, type ColyseusTestServer } from "@colyseus/testing";
import { createServerConfig, type ServerParts } from "../../arena.config.ts";
import { loadSettings, type Settings } from "../../src/config.ts";
import type { Store } from "../../src/store/types.ts";

export interface TestServer {
  colyseus: ColyseusTestServer;
  parts: ServerParts;
  http: string;
  ws: string;
  logs: string[];
  stop(): Promise<void>;
}

export { freePort };

export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return { ...loadSettings({ NODE_ENV: "test" }), reconnectSeconds: 2, ...overrides };
}

/** `store` changes the store the settings would make (a spec that needs one to misbehave). */
export async function startServer(overrides: Partial<Settings> = {}, options: { store?: (settings: Settings) => Store } = {}): Promise<TestServer> {
  const port = await freePort();
  const settings = testSettings({ port, ...overrides });
  const logs: string[] = [];
  const store = options.store?.(settings);
  const { config, parts } = createServerConfig(settings, { store, log: (line) => logs.push(line) });
  const colyseus = await boot(config, port);
  return {
    colyseus,
    parts,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    logs,
    async stop() {
      await colyseus.shutdown();
      await parts.housekeeping.stop();
    },
  };
}
