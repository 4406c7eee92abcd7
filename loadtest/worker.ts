/**
 * A bot process driven by the bench over IPC (child_process.fork): `start` the bots, `measure`
 * (clear the metrics: the window begins), `report` (send the window's metrics), `status` (who is
 * seated or away right now, for a restart), `stop` (leave and exit). It reports its bots' presence
 * every second, and exits by itself if the bench goes away.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { BotSettings } from "./bot.ts";
import { presence } from "./bot.ts";
import { Metrics } from "./metrics.ts";
import { Swarm, type SwarmPlan } from "./swarm.ts";

export type ToWorker =
  | { type: "start"; settings: BotSettings; plan: SwarmPlan }
  | { type: "measure" }
  | { type: "report" }
  | { type: "status" }
  | { type: "stop" };

/** Right now: seats connected, seats trying to get back, and what the window's restart counters say so far. */
export interface WorkerStatus {
  players: number;
  rooms: number;
  away: number;
  toldToRejoin: number;
  dropped: number;
  rejoined: number;
  reconnected: number;
  errors: number;
  /** actions acknowledged in the window so far */
  acks: number;
  /** epoch ms when the last seat was taken back, or null */
  lastBackAt: number | null;
}

export type FromWorker =
  | { type: "presence"; players: number; rooms: number; away: number; errors: number; dropped: number }
  | ({ type: "status" } & WorkerStatus)
  | { type: "report"; metrics: ReturnType<Metrics["toJSON"]>; loopDelay: LoopDelay }
  | { type: "stopped" };

if (!process.send) {
  console.error("loadtest/worker.ts is started by the bench (npm run bench); use npm run loadtest by hand.");
  process.exit(2);
}

/** How late this process's event loop ran (ms): when high, the bots' own timestamps are late too. */
export type LoopDelay = { p50: number; p99: number; max: number };

const send = (m: FromWorker) => process.send?.(m);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let swarm: Swarm | null = null;

const heartbeat = setInterval(() => {
  if (!swarm) return;
  send({ type: "presence", ...presence(), errors: swarm.metrics.counters.errors, dropped: swarm.metrics.counters.dropped });
}, 1000);

process.on("message", async (m: ToWorker) => {
  switch (m.type) {
    case "start":
      swarm = new Swarm(m.settings);
      await swarm.start(m.plan);
      break;
    case "measure":
      if (swarm) resetMetrics(swarm.metrics);
      loop.reset();
      break;
    case "status": {
      const c = swarm?.metrics.counters;
      send({
        type: "status",
        ...presence(),
        toldToRejoin: c?.toldToRejoin ?? 0,
        dropped: c?.dropped ?? 0,
        rejoined: c?.rejoined ?? 0,
        reconnected: c?.reconnected ?? 0,
        errors: c?.errors ?? 0,
        acks: c?.acks ?? 0,
        lastBackAt: swarm?.metrics.marks.lastBackAt ?? null,
      });
      break;
    }
    case "report":
      send({
        type: "report",
        metrics: swarm ? swarm.metrics.toJSON() : new Metrics().toJSON(),
        loopDelay: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      });
      break;
    case "stop":
      clearInterval(heartbeat);
      await swarm?.stop();
      send({ type: "stopped" });
      process.disconnect?.();
      setTimeout(() => process.exit(0), 100).unref();
      break;
  }
});

// the bench is gone (crashed or killed): do not linger
process.on("disconnect", () => process.exit(0));

function resetMetrics(metrics: Metrics) {
  const fresh = new Metrics();
  metrics.latencies = fresh.latencies;
  metrics.counters = fresh.counters;
  metrics.errorKinds = fresh.errorKinds;
  metrics.errorSamples = fresh.errorSamples;
  metrics.marks = fresh.marks;
}
