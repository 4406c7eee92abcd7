/**
 * Starts a number of bots in groups (private groups by code, or quick-play groups), staggered by a
 * delay, and stops them all: the part of the load test shared by the CLI and the bench's workers.
 */
import { BotContext, privateGroup, quickPlayer, type BotSettings } from "./bot.ts";
import { Metrics } from "./metrics.ts";

export interface SwarmPlan {
  numClients: number;
  /** Milliseconds between the starts of two consecutive bots (a group starts together). */
  delayMs: number;
  /** Prefix of the bots' display names (unique per process), at most 12 characters. */
  namePrefix: string;
  /** Which endpoint the first group uses; groups and members rotate from there. */
  endpointOffset?: number;
}

export interface Group {
  kind: "private" | "quick";
  names: string[];
  endpoint: number;
  startAt: number;
}

/** Groups of `groupSize`; the share `privateRatio` of them private, spread evenly; a lone leftover plays quick. */
export function planGroups(plan: SwarmPlan, settings: BotSettings): Group[] {
  const groups: Group[] = [];
  let privateSoFar = 0;
  for (let first = 0, g = 0; first < plan.numClients; first += settings.groupSize, g++) {
    const size = Math.min(settings.groupSize, plan.numClients - first);
    const names = Array.from({ length: size }, (_, i) => `${plan.namePrefix}${first + i}`);
    const wantPrivate = Math.floor((g + 1) * settings.privateRatio) > privateSoFar;
    const kind = wantPrivate && size >= 2 ? "private" : "quick";
    if (kind === "private") privateSoFar++;
    groups.push({ kind, names, endpoint: (plan.endpointOffset ?? 0) + g, startAt: first * plan.delayMs });
  }
  return groups;
}

export class Swarm {
  readonly metrics = new Metrics();
  readonly ctx: BotContext;
  private loops: Promise<void>[] = [];

  constructor(readonly settings: BotSettings) {
    this.ctx = new BotContext(settings, this.metrics);
  }

  async start(plan: SwarmPlan) {
    await this.ctx.loadBoard();
    for (const group of planGroups(plan, this.settings)) {
      this.loops.push(this.run(group));
    }
  }

  private async run(group: Group) {
    await this.ctx.pause(group.startAt);
    if (this.ctx.stopped) return;
    const settle = (p: Promise<void>) =>
      p.catch((e: Error) => this.metrics.error("bot:crash", e.stack ?? e.message));
    if (group.kind === "private") return settle(privateGroup(this.ctx, group.names, group.endpoint));
    await Promise.all(group.names.map((name, i) => settle(quickPlayer(this.ctx, name, group.endpoint + i))));
  }

  /** Every bot leaves its room (a forfeit if a game runs) and its loop ends; bounded by `timeoutMs`. */
  async stop(timeoutMs = 15_000) {
    this.ctx.stop();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.loops), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
}
