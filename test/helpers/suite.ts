/**
 * The shared fixture of the integration suites: one server per suite for a backend, an SDK client,
 * the rooms a test opened (left after each test, before the server is cleaned), and a lobby of
 * named players to start from.
 */
import type { Room } from "@colyseus/sdk";
import type { Settings } from "../../src/config.ts";
import type { Backend } from "./backends.ts";
import { PlayerSDK, observe, type Observed } from "./players.ts";
import type { TestServer } from "./server.ts";
import { until } from "./wait.ts";

export interface Suite {
  server: TestServer;
  sdk: PlayerSDK;
  /** Rooms to leave after the test. */
  open: Room<any>[];
  serverRoom(roomId: string): any;
  /** `room`, left after the test. */
  keep<T extends Room<any>>(room: T): T;
  /** A room of `names.length` players in its lobby, the first one the host (created with `options`), all left after the test. */
  lobby(names: string[], options?: Record<string, unknown>): Promise<Observed[]>;
}

export function serverSuite(backend: Backend, overrides: Partial<Settings> = {}): Suite {
  const suite = { open: [] as Room<any>[] } as Suite;
  suite.serverRoom = (roomId) => suite.server.colyseus.getRoomById(roomId);
  suite.keep = (room) => {
    suite.open.push(room);
    return room;
  };
  suite.lobby = async (names, options = {}) => {
    const host = suite.keep(await suite.sdk.create("game", { name: names[0], ...options }));
    const rooms = [host];
    for (const name of names.slice(1)) rooms.push(suite.keep(await suite.sdk.joinById(host.roomId, { name })));
    await until(() => rooms.every((r) => r.state.players?.size === names.length), "everyone seated");
    return rooms.map(observe);
  };
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
