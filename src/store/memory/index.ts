/**
 * The embedded store, used when MYSQL_URL is unset: the same contract as the MySQL store,
 * kept in this process's memory (so it is shared by nothing and lost on restart).
 */
import { CODE_ATTEMPTS, randomCode } from "../codes.ts";
import { CodeSpaceExhaustedError, type CodeRecord, type RoomCodeStore, type Store, type StoreHealth } from "../types.ts";
import { MemoryMatches } from "./matches.ts";

export interface MemoryStoreOptions {
  staleProcessSeconds: number;
  now?: () => number;
}

class MemoryCodes implements RoomCodeStore {
  private byCode = new Map<string, CodeRecord>();
  private byRoom = new Map<string, string>();
  private heartbeats = new Map<string, number>();

  constructor(private readonly options: MemoryStoreOptions) {}

  private now() {
    return (this.options.now ?? Date.now)();
  }

  private isAlive(processId: string) {
    const at = this.heartbeats.get(processId);
    return at !== undefined && this.now() - at <= this.options.staleProcessSeconds * 1000;
  }

  async reserve(roomId: string, processId: string): Promise<string> {
    const held = this.byRoom.get(roomId);
    if (held) return held;
    if (!this.heartbeats.has(processId)) this.heartbeats.set(processId, this.now());
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
      const code = randomCode();
      if (this.byCode.has(code)) continue;
      this.byCode.set(code, { code, roomId, processId });
      this.byRoom.set(roomId, code);
      return code;
    }
    throw new CodeSpaceExhaustedError(CODE_ATTEMPTS);
  }

  async release(roomId: string): Promise<void> {
    const code = this.byRoom.get(roomId);
    if (code === undefined) return;
    this.byRoom.delete(roomId);
    this.byCode.delete(code);
  }

  async resolve(code: string): Promise<CodeRecord | null> {
    const record = this.byCode.get(code);
    if (!record || !this.isAlive(record.processId)) return null;
    return { ...record };
  }

  async heartbeat(processId: string): Promise<void> {
    this.heartbeats.set(processId, this.now());
  }

  async sweepStale(): Promise<number> {
    let removed = 0;
    for (const record of [...this.byCode.values()]) {
      if (!this.isAlive(record.processId)) {
        await this.release(record.roomId);
        removed++;
      }
    }
    for (const processId of [...this.heartbeats.keys()]) {
      if (!this.isAlive(processId)) this.heartbeats.delete(processId);
    }
    return removed;
  }

  async forgetProcess(processId: string): Promise<void> {
    for (const record of [...this.byCode.values()]) {
      if (record.processId === processId) await this.release(record.roomId);
    }
    this.heartbeats.delete(processId);
  }
}

export class MemoryStore implements Store {
  readonly kind = "memory" as const;
  readonly codes: MemoryCodes;
  readonly matches = new MemoryMatches();

  constructor(options: MemoryStoreOptions) {
    this.codes = new MemoryCodes(options);
  }

  async init(): Promise<void> {}

  async health(): Promise<StoreHealth> {
    return { kind: "memory", ok: true };
  }

  async close(): Promise<void> {}
}
