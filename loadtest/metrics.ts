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
  /** From a seat's connection closing (or dropping) to the seat taken again: the SDK reconnected, or a rejoin by token. */
  "rejoin",
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
  /** Connections closed by the server or the network while the bot meant to stay, other than a 4100 (CLOSE_REJOIN). */
  "dropped",
  /** Connections the server closed with 4100 (CLOSE_REJOIN: it is stopping, or the room moved). */
  "toldToRejoin",
  /** Seats that left on purpose (their game was over, or the bots stopped) while trying to get back. */
  "leftWhileAway",
  /** Seats taken back by token (POST /rooms/:code/rejoin) / by the SDK's own reconnection. */
  "rejoined",
  "reconnected",
  /** Rejoin attempts answered with a transient answer (404 while the room is restored, 409, 503, nobody listening), retried. */
  "rejoinRetries",
  /** Acks the seats held when their connection went (every one is checked through the seq of the state they come back to). */
  "acksHeld",
  /** Acked opIds sent again after a rejoin and answered with their original ack (same seq). */
  "acksVerified",
  /** Seats that came back to the state at the seq they left it, and found it the same. */
  "statesMatched",
  /** Messages sent again with the same opId after the seat came back (they were unanswered when it went). */
  "resent",
  /** UNAVAILABLE refusals (the database could not commit), each followed by the same message again. */
  "unavailable",
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
  /** the latest value of each mark (max across bots and processes), e.g. lastBackAt: epoch ms the last seat was taken back */
  marks: Record<string, number>;
}

export class Metrics {
  latencies = Object.fromEntries(LATENCIES.map((n) => [n, new Histogram()])) as Record<LatencyName, Histogram>;
  counters = Object.fromEntries(COUNTERS.map((n) => [n, 0])) as Record<CounterName, number>;
  errorKinds: Record<string, number> = {};
  errorSamples: string[] = [];
  marks: Record<string, number> = {};

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

  /** Keeps the highest value seen for `name`. */
  mark(name: string, value: number) {
    this.marks[name] = Math.max(this.marks[name] ?? -Infinity, value);
  }

  toJSON(): MetricsData {
    return {
      latencies: Object.fromEntries(LATENCIES.map((n) => [n, this.latencies[n].toJSON()])) as Record<LatencyName, HistogramData>,
      counters: { ...this.counters },
      errorKinds: { ...this.errorKinds },
      errorSamples: [...this.errorSamples],
      marks: { ...this.marks },
    };
  }

  merge(data: MetricsData) {
    for (const n of LATENCIES) this.latencies[n].merge(data.latencies[n]);
    for (const n of COUNTERS) this.counters[n] += data.counters[n];
    for (const [k, v] of Object.entries(data.errorKinds)) this.errorKinds[k] = (this.errorKinds[k] ?? 0) + v;
    for (const s of data.errorSamples) if (this.errorSamples.length < 10) this.errorSamples.push(s);
    for (const [k, v] of Object.entries(data.marks ?? {})) this.mark(k, v);
  }

  summaries(): Record<LatencyName, LatencySummary> {
    return Object.fromEntries(LATENCIES.map((n) => [n, this.latencies[n].summary()])) as Record<LatencyName, LatencySummary>;
  }
}
