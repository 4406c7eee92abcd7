/**
 * The shared fixture of the integration suites: one server per suite for a backend, an SDK client,
 * and the rooms a test opened (left after each test, before the server is cleaned).
 */
import type { Room } from "@colyseus/sdk";
import type { Settings } from "../../src/config.ts";
import type { Backend } from "./backends.ts";
import { PlayerSDK } from "./players.ts";
import type { TestServer } from "./server.ts";

export interface Suite {
  server: TestServer;
  sdk: PlayerSDK;
  /** Rooms to leave after the test. */
  open: Room<any>[];
  serverRoom(roomId: string): any;
}

export function serverSuite(backend: Backend, overrides: Partial<Settings> = {}): Suite {
  const suite = { open: [] as Room<any>[] } as Suite;
  suite.serverRoom = (roomId) => suite.server.colyseus.getRoomById(roomId);
  before(async function () {
    suite.server = await backend.start(this, overrides);
    suite.sdk = new PlayerSDK(suite.server.ws);
  });
  afterEach(async () => {
    for (const room of suite.open.splice(0)) {
      room.reconnection.enabled = false;
      if (room.connection?.isOpen) await room.leave().catch(() => {});
    }
    await suite.server.colyseus.cleanup();
  });
  after(async () => {
    await suite.server?.stop();
    await backend.release();
  });
  return suite;
}
