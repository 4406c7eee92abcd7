/**
 * What a server process runs beside its rooms: the store's start (migrations, a sweep of codes left
 * by crashed processes), the heartbeat that keeps this process's codes resolvable, and, with a
 * durable store, the restore of rooms whose process is gone: at start (a predecessor on this
 * address), when another process announces rooms it handed over, and at every heartbeat (processes
 * that went silent); and, with Redis, the repair of this process's listings after Redis lost them.
 */
import { matchMaker } from "@colyseus/core";
import type { Settings } from "./config.ts";
import { RELEASED_CHANNEL } from "./rooms/ownership.ts";
import { Relister } from "./rooms/relist.ts";
import type { Restorer } from "./rooms/restore.ts";
import type { Store } from "./store/types.ts";

export class Housekeeping {
  private timer: NodeJS.Timeout | null = null;
  private readonly onReleased = () => void this.restore();
  private readonly relister = new Relister((line) => this.log(line));

  constructor(
    private readonly store: Store,
    private readonly settings: Pick<Settings, "heartbeatSeconds">,
    private readonly restorer: Restorer,
    private readonly address: string,
    private readonly log: (line: string) => void,
  ) {}

  /** After the matchmaker is ready (its processId is known), before the port opens. */
  async start() {
    await this.store.init();
    await this.store.codes.register(matchMaker.processId, this.address);
    const swept = await this.store.codes.sweepStale();
    if (swept > 0) this.log(`released ${swept} join code(s) left by stopped processes`);
    await this.restore();
    await matchMaker.presence.subscribe(RELEASED_CHANNEL, this.onReleased);
    await this.relister.start();
    this.timer = setInterval(() => void this.beat(), this.settings.heartbeatSeconds * 1000);
    this.timer.unref();
  }

  private async restore() {
    try {
      await this.restorer.restoreOrphans();
    } catch (e) {
      this.log(`restoring rooms failed: ${(e as Error).message}`);
    }
  }

  private async beat() {
    try {
      await this.store.codes.heartbeat(matchMaker.processId);
      await this.store.codes.sweepStale();
    } catch (e) {
      this.log(`heartbeat failed: ${(e as Error).message}`);
      return;
    }
    await this.restore();
  }

  async stop() {
    this.relister.stop();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      if (this.store.logs.durable) {
        // rooms not handed over one by one (the database was away) are handed over here
        await this.store.codes.releaseProcess(matchMaker.processId);
      } else {
        await this.store.codes.forgetProcess(matchMaker.processId);
      }
    } finally {
      await this.store.close();
    }
  }
}
