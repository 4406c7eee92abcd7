/**
 * What a server process runs beside its rooms: the store's start (migrations, a sweep of codes left
 * by crashed processes) and the heartbeat that keeps this process's codes resolvable.
 */
import { matchMaker } from "@colyseus/core";
import type { Settings } from "./config.ts";
import type { Store } from "./store/types.ts";

export class Housekeeping {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly settings: Pick<Settings, "heartbeatSeconds">,
    private readonly log: (line: string) => void,
  ) {}

  /** After the matchmaker is ready (its processId is known), before the port opens. */
  async start() {
    await this.store.init();
    await this.store.codes.heartbeat(matchMaker.processId);
    const swept = await this.store.codes.sweepStale();
    if (swept > 0) this.log(`released ${swept} join code(s) left by stopped processes`);
    this.timer = setInterval(() => void this.beat(), this.settings.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  private async beat() {
    try {
      await this.store.codes.heartbeat(matchMaker.processId);
      await this.store.codes.sweepStale();
    } catch (e) {
      this.log(`heartbeat failed: ${(e as Error).message}`);
    }
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      await this.store.codes.forgetProcess(matchMaker.processId);
    } finally {
      await this.store.close();
    }
  }
}
