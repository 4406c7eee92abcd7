/**
 * `--restart-at S`: a deploy in the middle of a level. SIGTERM the server, start it again on the
 * same port with the same environment, and measure from the SIGTERM: until the old process is gone,
 * until the new one answers, until every player the bots had seated is back in a seat; then what the
 * bots found when they came back (states, re-sent acked opIds) from the window's metrics.
 */
import type { LatencySummary } from "../loadtest/histogram.ts";
import type { Metrics } from "../loadtest/metrics.ts";
import type { WorkerStatus } from "../loadtest/worker.ts";
import { startServer, type ServerProcess } from "./servers.ts";
import { sampleCpu } from "./system.ts";
import type { BotWorker } from "./workers.ts";

export interface RestartResult {
  /** seconds into the measurement window */
  atSecond: number;
  /** seats the bots held at the SIGTERM */
  seatsAtStop: number;
  /** actions acknowledged in the window before the SIGTERM */
  acksBeforeStop: number;
  /** SIGTERM -> the old process has exited (its graceful stop) */
  stopMs: number;
  /** SIGTERM -> the new process answers GET /health */
  downMs: number;
  /** seats closed with 4100 (CLOSE_REJOIN) / closed or dropped otherwise */
  closedWith4100: number;
  closedOtherwise: number;
  /** seats taken back: by token (POST /rooms/:code/rejoin) / by the SDK's reconnection */
  rejoined: number;
  reconnected: number;
  /** seats that left on purpose while away (their game was over meanwhile) */
  leftWhileAway: number;
  /** seats still trying to get back when the bench stopped waiting */
  stillAway: number;
  /** seats that gave up (a final answer, or retryForMs without success), from the error kinds */
  rejoinFailed: number;
  /** SIGTERM -> the last seat back; null when some seat never came back */
  allBackMs: number | null;
  /** SIGTERM -> the last seat that did come back */
  lastBackMs: number | null;
  /** per seat, from its connection closing to its seat taken back */
  rejoin: LatencySummary;
  /** transient rejoin answers retried (404 while restoring, 409, 503, nobody listening) */
  rejoinRetries: number;
  /** acks the seats held when their connection closed: every one must be at or below the seq they come back to */
  acksHeld: number;
  /** of those, re-sent after the rejoin (a sample per seat) and answered with the original ack / refused or answered otherwise */
  acksVerified: number;
  acksLost: number;
  /** seats whose restored state had a lower seq than before the stop (acks lost) */
  stateRegressed: number;
  /** seats that came back to the same seq: the state was the same / differed */
  statesMatched: number;
  statesDiffered: number;
  /** unanswered messages sent again with the same opId after the seat was back */
  resent: number;
  /** the server log lines after the SIGTERM (not the banner), dated in ms from it, with the exit and the first /health answer */
  serverLog: string[];
  /** the old process's CPU seconds at its exit, and the pids, for the level's CPU accounting */
  cpu: { oldPid: number; newPid: number; oldSecondsAtExit: number | null };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const sum = (xs: WorkerStatus[], key: keyof WorkerStatus) => xs.reduce((n, s) => n + Number(s[key] ?? 0), 0);

/**
 * Lines of a server's output worth reading in a report, dated in ms from `t0` (the SIGTERM): not the
 * banner or a stack frame, repeats folded. The start lines (store:, Listening) stay: they date the start.
 */
export function notableLines(timeline: ServerProcess["timeline"], t0: number, prefix: string, limit = 25): string[] {
  // the banner's emoji lines (☁️ is two code points, so an alternation, not a character class)
  const banner = /^\s*(?:·|💖|🌟|☁️)|[_\\/|]{3}|^\s+at |^(scale-out|monitor|web client|settings):/u;
  const folded: Array<{ at: number; line: string; times: number }> = [];
  for (const { at, line: raw } of timeline) {
    const line = raw.trimEnd().slice(0, 400);
    if (!line.trim() || banner.test(line) || at < t0) continue;
    const same = folded.find((f) => f.line === line);
    if (same) same.times++;
    else folded.push({ at, line, times: 1 });
  }
  return folded.slice(0, limit).map((f) => `+${Math.round(f.at - t0)} ms ${prefix}: ${f.line}${f.times > 1 ? ` (x${f.times})` : ""}`);
}

/**
 * SIGTERM `servers[index]`, start it again on its port with its environment (the array then holds
 * the new process), and wait (bounded by `waitMs` after the new process is up) until no bot seat is
 * away. The bots' counters of the window say what happened to each seat.
 */
export async function restartServer(servers: ServerProcess[], index: number, workers: BotWorker[], atSecond: number, waitMs: number) {
  const old = servers[index];
  const before = await Promise.all(workers.map((w) => w.status()));
  const sigtermAt = Date.now();
  const t0 = performance.now();
  let oldSeconds: number | null = sampleCpu([old.pid]).seconds.get(old.pid) ?? null;
  // the old process's CPU until it is gone: its graceful stop is part of the level
  const poll = setInterval(() => {
    const s = sampleCpu([old.pid]).seconds.get(old.pid);
    if (s !== undefined) oldSeconds = s;
  }, 50);
  await old.stop();
  clearInterval(poll);
  const stopMs = performance.now() - t0;
  const fresh = await startServer(old.env, old.nodeArgs, old.port);
  servers[index] = fresh;
  const downMs = performance.now() - t0;

  const deadline = performance.now() + waitMs;
  let now = before;
  for (;;) {
    now = await Promise.all(workers.map((w) => w.status()));
    // a second after the new process is up every close has reached the bots
    if (sum(now, "away") === 0 && performance.now() - t0 > downMs + 1000) break;
    if (performance.now() > deadline) break;
    await sleep(100);
  }
  const lastBackAt = Math.max(0, ...now.map((s) => s.lastBackAt ?? 0));
  return {
    sigtermAt,
    partial: {
      atSecond,
      seatsAtStop: sum(before, "players"),
      acksBeforeStop: sum(before, "acks"),
      stopMs: Math.round(stopMs),
      downMs: Math.round(downMs),
      closedWith4100: sum(now, "toldToRejoin") - sum(before, "toldToRejoin"),
      closedOtherwise: sum(now, "dropped") - sum(before, "dropped"),
      rejoined: sum(now, "rejoined") - sum(before, "rejoined"),
      reconnected: sum(now, "reconnected") - sum(before, "reconnected"),
      stillAway: sum(now, "away"),
      lastBackMs: lastBackAt > sigtermAt ? lastBackAt - sigtermAt : null,
      serverLog: [...notableLines(old.timeline, t0, "old", 15), `+${Math.round(stopMs)} ms: the old process has exited`, `+${Math.round(fresh.spawnedAt - t0)} ms: the new process is spawned`, ...notableLines(fresh.timeline, t0, "new", 15), `+${Math.round(downMs)} ms: the new process answers GET /health`],
      cpu: { oldPid: old.pid, newPid: fresh.pid, oldSecondsAtExit: oldSeconds },
    },
  };
}

/** The restart's report, once the window's metrics are in: what the seats found when they came back. */
export function restartResult(partial: Awaited<ReturnType<typeof restartServer>>["partial"], metrics: Metrics): RestartResult {
  const kinds = metrics.errorKinds;
  const c = metrics.counters;
  const count = (prefix: string) => Object.entries(kinds).filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
  const rejoinFailed = count("rejoin:");
  const everyoneBack = partial.stillAway === 0 && rejoinFailed === 0;
  return {
    ...partial,
    rejoinFailed,
    allBackMs: everyoneBack ? partial.lastBackMs : null,
    rejoin: metrics.latencies.rejoin.summary(),
    rejoinRetries: c.rejoinRetries,
    leftWhileAway: c.leftWhileAway,
    acksHeld: c.acksHeld,
    acksVerified: c.acksVerified,
    acksLost: count("ack:"),
    stateRegressed: count("state:regressed"),
    statesMatched: c.statesMatched,
    statesDiffered: count("state:differs"),
    resent: c.resent,
  };
}
