/**
 * What the bots measure, with their own clocks (performance.now()): latency histograms and
 * counters, resettable for a measurement window and mergeable across bot processes.
 */
import { Histogram, type HistogramData, type LatencySummary } from "./histogram.ts";

export const LATENCIES = [
  /** GET /rooms/:code plus joinById: what a player waits for after typing a code. */
  "joinByCode",
  /** The GET /rooms/:code part alone. */
  "codeLookup",
  /** client.create of a private room (reserves a code in the store). */
  "create",
  /** client.joinOrCreate: quick play into a public room. */
  "quickPlay",
  /** From send(action) to its ack at the sender. */
  "actionAck",
  /** From send(action) to the last room member's state reaching the ack's seq. */
  "stateAllMembers",
] as const;
export type LatencyName = (typeof LATENCIES)[number];

export const COUNTERS = [
  "actions",
  "acks",
  "gamesStarted",
  "gamesFinished",
  "joins",
  /** Expected races of quick play (the room filled or started between match and join, or a start before a newcomer was ready); retried. */
  "races",
  /** Actions whose room had members in another bot process: no all-members time for them. */
  "stateUnmeasured",
  /** Connections closed by the server or the network while the bot meant to stay. */
  "dropped",
  "errors",
] as const;
export type CounterName = (typeof COUNTERS)[number];

export interface MetricsData {
  latencies: Record<LatencyName, HistogramData>;
  counters: Record<CounterName, number>;
  /** error kind -> count, e.g. "action:timeout", "join:522", "refused:WRONG_STAGE" */
  errorKinds: Record<string, number>;
  /** a few error messages, for the report */
  errorSamples: string[];
}

export class Metrics {
  latencies = Object.fromEntries(LATENCIES.map((n) => [n, new Histogram()])) as Record<LatencyName, Histogram>;
  counters = Object.fromEntries(COUNTERS.map((n) => [n, 0])) as Record<CounterName, number>;
  errorKinds: Record<string, number> = {};
  errorSamples: string[] = [];

  record(name: LatencyName, ms: number) {
    this.latencies[name].record(ms);
  }

  count(name: CounterName, n = 1) {
    this.counters[name] += n;
  }

  error(kind: string, detail: string) {
    this.counters.errors++;
    this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
    if (this.errorSamples.length < 10) this.errorSamples.push(`${kind}: ${detail}`.slice(0, 300));
  }

  toJSON(): MetricsData {
    return {
      latencies: Object.fromEntries(LATENCIES.map((n) => [n, this.latencies[n].toJSON()])) as Record<LatencyName, HistogramData>,
      counters: { ...this.counters },
      errorKinds: { ...this.errorKinds },
      errorSamples: [...this.errorSamples],
    };
  }

  merge(data: MetricsData) {
    for (const n of LATENCIES) this.latencies[n].merge(data.latencies[n]);
    for (const n of COUNTERS) this.counters[n] += data.counters[n];
    for (const [k, v] of Object.entries(data.errorKinds)) this.errorKinds[k] = (this.errorKinds[k] ?? 0) + v;
    for (const s of data.errorSamples) if (this.errorSamples.length < 10) this.errorSamples.push(s);
  }

  summaries(): Record<LatencyName, LatencySummary> {
    return Object.fromEntries(LATENCIES.map((n) => [n, this.latencies[n].summary()])) as Record<LatencyName, LatencySummary>;
  }
}
