/** Boots the real server (arena.config.ts) with @colyseus/testing on a free port, with test settings. */
import { freePort } from "./net.ts";
import { boot, type ColyseusTestServer } from "@colyseus/testing";
import { createServerConfig, type ServerParts } from "../../arena.config.ts";
import { loadSettings, type Settings } from "../../src/config.ts";

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

export async function startServer(overrides: Partial<Settings> = {}): Promise<TestServer> {
  const port = await freePort();
  const settings = testSettings({ port, ...overrides });
  const logs: string[] = [];
  const { config, parts } = createServerConfig(settings, { log: (line) => logs.push(line) });
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
