/**
 * The embedded store, used when MYSQL_URL is unset: the same contract as the MySQL store,
 * kept in this process's memory (so it is shared by nothing and lost on restart).
 */
import type { Store, StoreHealth } from "../types.ts";
import { MemoryCodes } from "./codes.ts";
import { MemoryLogs } from "./logs.ts";
import { MemoryMatches } from "./matches.ts";

export interface MemoryStoreOptions {
  staleProcessSeconds: number;
  now?: () => number;
  /** How long a released join code is not handed out again (600 s unless set). */
  codeCooldownSeconds?: number;
  /** Draws a candidate join code (random unless a spec fixes the sequence). */
  drawCode?: () => string;
  /** Closed room logs kept for replays, the latest closed (1,000 unless set). */
  closedLogsKept?: number;
}

export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  readonly codes: MemoryCodes;
  readonly matches = new MemoryMatches();
  readonly logs: MemoryLogs;

  constructor(options: MemoryStoreOptions) {
    this.logs = new MemoryLogs((roomId) => this.codes.holderOf(roomId), options.closedLogsKept);
    this.codes = new MemoryCodes({ ...options, isOpen: (roomId) => this.logs.isOpen(roomId) });
  }

  async init(): Promise<void> {}

  async health(): Promise<StoreHealth> {
    return { kind: "memory", ok: true };
  }

  async close(): Promise<void> {}
}
