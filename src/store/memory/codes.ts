/**
 * Join codes and room ownership in this process's memory, with the MySQL store's answers: a room
 * whose log is open keeps its code when its owner goes (released to "" or silent), waiting for a
 * claim. There are never orphans to restore, since no room here outlives the process.
 */
import { CODE_ATTEMPTS, DEFAULT_CODE_COOLDOWN_SECONDS, randomCode } from "../codes.ts";
import { CodeSpaceExhaustedError, type CodeRecord, type RoomCodeStore } from "../types.ts";

export interface MemoryCodesOptions {
  staleProcessSeconds: number;
  now?: () => number;
  /** Whether a room's log is open (such a room keeps its code when its owner goes). */
  isOpen: (roomId: string) => boolean;
  /** How long a released code is not handed out again (600 s unless set). */
  codeCooldownSeconds?: number;
  /** Draws a candidate code (random unless a spec fixes the sequence). */
  drawCode?: () => string;
}

export class MemoryCodes implements RoomCodeStore {
  private byCode = new Map<string, CodeRecord>();
  private byRoom = new Map<string, string>();
  private heartbeats = new Map<string, number>();
  /** Released codes and when they were released: out of use until their cooldown is over. */
  private released = new Map<string, number>();

  constructor(private readonly options: MemoryCodesOptions) {}

  private now() {
    return (this.options.now ?? Date.now)();
  }

  private isCooling(code: string) {
    const at = this.released.get(code);
    return at !== undefined && this.now() - at < (this.options.codeCooldownSeconds ?? DEFAULT_CODE_COOLDOWN_SECONDS) * 1000;
  }

  private isAlive(processId: string) {
    const at = this.heartbeats.get(processId);
    return at !== undefined && this.now() - at <= this.options.staleProcessSeconds * 1000;
  }

  /** The process holding a room's code now ("" = handed over), or undefined without a code. */
  holderOf(roomId: string): string | undefined {
    return this.recordOf(roomId)?.processId;
  }

  private recordOf(roomId: string): CodeRecord | undefined {
    const code = this.byRoom.get(roomId);
    return code === undefined ? undefined : this.byCode.get(code);
  }

  async reserve(roomId: string, processId: string): Promise<string> {
    const held = this.byRoom.get(roomId);
    if (held) return held;
    if (!this.heartbeats.has(processId)) this.heartbeats.set(processId, this.now());
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
      const code = (this.options.drawCode ?? randomCode)();
      if (this.byCode.has(code) || this.isCooling(code)) continue;
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
    this.released.set(code, this.now());
  }

  async resolve(code: string): Promise<CodeRecord | null> {
    const record = this.byCode.get(code);
    if (!record || !this.isAlive(record.processId)) return null;
    return { ...record };
  }

  async heartbeat(processId: string): Promise<void> {
    this.heartbeats.set(processId, this.now());
  }

  async register(processId: string, _address: string): Promise<void> {
    // addresses only matter to orphans(), and there are none here
    await this.heartbeat(processId);
  }

  async sweepStale(): Promise<number> {
    let removed = 0;
    for (const record of [...this.byCode.values()]) {
      if (!this.isAlive(record.processId) && !this.options.isOpen(record.roomId)) {
        await this.release(record.roomId);
        removed++;
      }
    }
    for (const processId of [...this.heartbeats.keys()]) {
      if (!this.isAlive(processId)) this.heartbeats.delete(processId);
    }
    for (const code of [...this.released.keys()]) {
      if (!this.isCooling(code)) this.released.delete(code);
    }
    return removed;
  }

  async forgetProcess(processId: string): Promise<void> {
    for (const record of [...this.byCode.values()]) {
      if (record.processId === processId) await this.release(record.roomId);
    }
    this.heartbeats.delete(processId);
  }

  async orphans(_address: string): Promise<CodeRecord[]> {
    return [];
  }

  async claim(roomId: string, from: string, processId: string): Promise<boolean> {
    const record = this.recordOf(roomId);
    if (!record || record.processId !== from) return false;
    record.processId = processId;
    return true;
  }

  async releaseProcess(processId: string): Promise<number> {
    let handedOver = 0;
    for (const record of [...this.byCode.values()]) {
      if (record.processId !== processId) continue;
      if (this.options.isOpen(record.roomId)) {
        record.processId = "";
        handedOver++;
      } else {
        await this.release(record.roomId);
      }
    }
    this.heartbeats.delete(processId);
    return handedOver;
  }

  async lookup(code: string): Promise<CodeRecord | null> {
    const record = this.byCode.get(code);
    return record ? { ...record } : null;
  }

  async roomsOf(processId: string): Promise<string[]> {
    return [...this.byCode.values()].filter((r) => r.processId === processId).map((r) => r.roomId).sort();
  }
}
