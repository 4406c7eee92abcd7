/**
 * What one benchmark level measured, the printed tables, the goals verdict, the 1 vs N process
 * comparison, the in-memory vs MySQL store comparison, and the restarts.
 */
import type { LatencySummary } from "../loadtest/histogram.ts";
import type { LatencyName } from "../loadtest/metrics.ts";
import type { RestartResult } from "./restart.ts";

export interface LevelResult {
  /** players the bots were asked to be */
  target: number;
  /** connected players the server(s) reported, averaged over the window (GET /health clients) */
  players: number;
  playersMax: number;
  rooms: number;
  seconds: number;
  actionsPerSecond: number;
  joinsPerSecond: number;
  latency: Record<LatencyName, LatencySummary>;
  /** % of one core, summed over the server processes */
  serverCpuPercent: number;
  serverCpuPercentEach: number[];
  serverRssMB: number;
  serverRssMBEach: number[];
  /** (average RSS in the window - RSS of the idle, warmed-up server before the first level) / players */
  rssPerPlayerKB: number;
  /** % of one core, summed over the bot processes */
  botCpuPercent: number;
  botWorkers: number;
  /** how late the bot processes' event loops ran: their timestamps are late by as much */
  botLoopDelayMs: { p99: number; max: number };
  /** GET /board round trips from the bench process during the window: the server's responsiveness (answered ones; `failed` did not answer, e.g. during a restart) */
  serverProbeMs: { count: number; p50: number; p99: number; max: number; failed?: number };
  /** % of all cores of the machine, everything included */
  machineBusyPercent: number;
  /** % of one core used by the bench process itself (health and responsiveness probes) */
  benchCpuPercent: number;
  /** % of one core used by MariaDB/MySQL and Redis on this machine (whether the servers use them or not) */
  storeCpuPercent: number;
  /** % of one core used by MariaDB/MySQL alone (it may serve other work on a shared machine too) */
  mariadbCpuPercent?: number;
  /** % of one core used by anything else on the machine during the window (a shared machine) */
  otherCpuPercent: number;
  actions: number;
  errors: number;
  errorRate: number;
  errorKinds: Record<string, number>;
  errorSamples: string[];
  dropped: number;
  races: number;
  stateUnmeasured: number;
  gamesFinished: number;
  /** within the bench's stop limits (errors, dropped, p99) */
  ok: boolean;
  verdict: string;
  /** the store of the server(s) this level ran against */
  store?: "memory" | "mysql";
  /** with --restart-at: the restart in this level's window */
  restart?: RestartResult | null;
}

export const GOALS = { players: 5000, stateP99Ms: 50, joinP99Ms: 50, joinRooms: 1000, kbPerPlayer: 20 };

const f = (v: number | null, digits = 1) => (v === null ? "-" : v.toFixed(digits));

export function table(levels: LevelResult[]): string {
  const head = ["players", "rooms", "act/s", "join-by-code p50/p95/p99", "ack p50/p95/p99", "state-all p50/p95/p99", "srv CPU%", "srv RSS MB", "KB/player", "bot CPU%", "db CPU%", "srv probe p99", "bot lag p99", "other CPU%", "errors", "dropped"];
  const rows = levels.map((l) => {
    const t = (n: LatencyName) => `${f(l.latency[n].p50)} / ${f(l.latency[n].p95)} / ${f(l.latency[n].p99)}`;
    return [
      String(Math.round(l.players)),
      String(Math.round(l.rooms)),
      f(l.actionsPerSecond, 0),
      t("joinByCode"),
      t("actionAck"),
      t("stateAllMembers"),
      f(l.serverCpuPercent, 0),
      f(l.serverRssMB, 0),
      f(l.rssPerPlayerKB, 1),
      f(l.botCpuPercent, 0),
      f(l.storeCpuPercent ?? null, 0),
      f(l.serverProbeMs?.p99 ?? null),
      f(l.botLoopDelayMs?.p99 ?? null),
      f(l.otherCpuPercent ?? null, 0),
      String(l.errors),
      String(l.dropped),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => `${"-".repeat(w + 1)}:`).join("|")}|`, ...rows.map(line)].join("\n");
}

/** The level meets the latency goals: no errors or drops, p99 of state on all members and of join-by-code under 50 ms. */
export function meetsLatencyGoals(l: LevelResult): boolean {
  const state = l.latency.stateAllMembers.p99;
  const join = l.latency.joinByCode.p99;
  return l.errors === 0 && l.dropped === 0 && state !== null && state <= GOALS.stateP99Ms && (join === null || join <= GOALS.joinP99Ms);
}

export function goals(levels: LevelResult[], memorySlopeKBPerPlayer: number | null = null) {
  const held = levels.filter(meetsLatencyGoals).map((l) => l.players);
  const working = levels.filter((l) => l.ok).map((l) => l.players);
  const top = [...levels].sort((a, b) => b.players - a.players)[0];
  // "with 1,000 live rooms": the first level with (nearly) that many, else the one with the most
  const withRooms =
    levels.filter((l) => l.rooms >= GOALS.joinRooms * 0.9).sort((a, b) => a.players - b.players)[0] ??
    [...levels].sort((a, b) => b.rooms - a.rooms)[0];
  const maxHeld = held.length ? Math.max(...held) : 0;
  return {
    concurrentPlayers: {
      goal: GOALS.players,
      maxPlayersWithinLatencyGoals: Math.round(maxHeld),
      maxPlayersWithinBenchLimits: Math.round(working.length ? Math.max(...working) : 0),
      met: maxHeld >= GOALS.players * 0.95,
    },
    stateP99: { goalMs: GOALS.stateP99Ms, atHighestLevelMs: top?.latency.stateAllMembers.p99 ?? null, atPlayers: Math.round(top?.players ?? 0) },
    joinByCodeP99: {
      goalMs: GOALS.joinP99Ms,
      with1000RoomsMs: withRooms?.latency.joinByCode.p99 ?? null,
      atRooms: Math.round(withRooms?.rooms ?? 0),
      met: withRooms ? (withRooms.latency.joinByCode.p99 ?? Infinity) <= GOALS.joinP99Ms : null,
    },
    memoryPerPlayer: {
      goalKB: GOALS.kbPerPlayer,
      atHighestLevelKB: top?.rssPerPlayerKB ?? null,
      slopeKB: memorySlopeKBPerPlayer,
      met: top ? Math.max(top.rssPerPlayerKB, memorySlopeKBPerPlayer ?? 0) <= GOALS.kbPerPlayer : null,
    },
  };
}

export interface RunSummary {
  processes: number;
  levels: LevelResult[];
}

/** N processes against 1: the most players within the goals and within the limits, and throughput. */
export function scaling(one: RunSummary, many: RunSummary) {
  const g1 = goals(one.levels);
  const gN = goals(many.levels);
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);
  const maxActions = (r: RunSummary) => Math.max(0, ...r.levels.filter((l) => l.ok).map((l) => l.actionsPerSecond));
  const common = one.levels
    .map((l1) => ({ l1, lN: many.levels.find((l) => l.target === l1.target) }))
    .filter((p): p is { l1: LevelResult; lN: LevelResult } => p.lN !== undefined)
    .map(({ l1, lN }) => ({
      target: l1.target,
      stateP99Ms: [l1.latency.stateAllMembers.p99, lN.latency.stateAllMembers.p99],
      serverCpuPercent: [Math.round(l1.serverCpuPercent), Math.round(lN.serverCpuPercent)],
      botCpuPercent: [Math.round(l1.botCpuPercent), Math.round(lN.botCpuPercent)],
      actionsPerSecond: [Math.round(l1.actionsPerSecond), Math.round(lN.actionsPerSecond)],
    }));
  return {
    processes: [one.processes, many.processes],
    maxPlayersWithinLatencyGoals: [g1.concurrentPlayers.maxPlayersWithinLatencyGoals, gN.concurrentPlayers.maxPlayersWithinLatencyGoals],
    maxPlayersWithinBenchLimits: [g1.concurrentPlayers.maxPlayersWithinBenchLimits, gN.concurrentPlayers.maxPlayersWithinBenchLimits],
    maxActionsPerSecond: [Math.round(maxActions(one)), Math.round(maxActions(many))],
    ratioPlayersWithinLatencyGoals: ratio(gN.concurrentPlayers.maxPlayersWithinLatencyGoals, g1.concurrentPlayers.maxPlayersWithinLatencyGoals),
    ratioPlayersWithinBenchLimits: ratio(gN.concurrentPlayers.maxPlayersWithinBenchLimits, g1.concurrentPlayers.maxPlayersWithinBenchLimits),
    ratioActionsPerSecond: ratio(maxActions(many), maxActions(one)),
    sameLevels: common,
  };
}

/** Goals of the durability comparison on this machine: what MySQL may add to the ack p99, and how fast a restart must seat everyone again. */
export const DURABILITY_GOALS = { ackP99DeltaMs: 10, ackP99AtPlayers: 2000, restartAllBackMs: 5000 };

export interface StoreComparison {
  target: number;
  players: [number, number];
  actionsPerSecond: [number, number];
  /** MySQL / in-memory */
  actionsRatio: number | null;
  ackP50Ms: [number | null, number | null];
  ackP99Ms: [number | null, number | null];
  /** MySQL - in-memory */
  ackP99DeltaMs: number | null;
  stateP99Ms: [number | null, number | null];
  serverCpuPercent: [number, number];
  mariadbCpuPercent: [number | null, number | null];
  mariadbCpuDelta: number | null;
  otherCpuPercent: [number, number];
  errors: [number, number];
  /** ack p99 with MySQL within DURABILITY_GOALS.ackP99DeltaMs of in-memory */
  withinAckGoal: boolean | null;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Each level run against both stores, side by side: [in-memory, MySQL], with the ratio or difference. */
export function compareStores(memory: LevelResult[], mysql: LevelResult[]): StoreComparison[] {
  return memory
    .map((m) => ({ m, y: mysql.find((l) => l.target === m.target) }))
    .filter((p): p is { m: LevelResult; y: LevelResult } => p.y !== undefined)
    .map(({ m, y }) => {
      const delta = (a: number | null | undefined, b: number | null | undefined) => (a === null || a === undefined || b === null || b === undefined ? null : round1(b - a));
      const ackDelta = delta(m.latency.actionAck.p99, y.latency.actionAck.p99);
      return {
        target: m.target,
        players: [m.players, y.players],
        actionsPerSecond: [m.actionsPerSecond, y.actionsPerSecond],
        actionsRatio: m.actionsPerSecond > 0 ? Math.round((y.actionsPerSecond / m.actionsPerSecond) * 100) / 100 : null,
        ackP50Ms: [m.latency.actionAck.p50, y.latency.actionAck.p50],
        ackP99Ms: [m.latency.actionAck.p99, y.latency.actionAck.p99],
        ackP99DeltaMs: ackDelta,
        stateP99Ms: [m.latency.stateAllMembers.p99, y.latency.stateAllMembers.p99],
        serverCpuPercent: [m.serverCpuPercent, y.serverCpuPercent],
        mariadbCpuPercent: [m.mariadbCpuPercent ?? null, y.mariadbCpuPercent ?? null],
        mariadbCpuDelta: delta(m.mariadbCpuPercent, y.mariadbCpuPercent),
        otherCpuPercent: [m.otherCpuPercent, y.otherCpuPercent],
        errors: [m.errors + m.dropped, y.errors + y.dropped],
        withinAckGoal: ackDelta === null ? null : ackDelta <= DURABILITY_GOALS.ackP99DeltaMs,
      } satisfies StoreComparison;
    });
}

function markdown(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => `${"-".repeat(w + 1)}:`).join("|")}|`, ...rows.map(line)].join("\n");
}

const pair = (a: number | null, b: number | null, digits = 1) => `${f(a, digits)} / ${f(b, digits)}`;
const signed = (v: number | null, digits = 1) => (v === null ? "-" : `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`);

export function comparisonTable(rows: StoreComparison[]): string {
  const head = ["players", "act/s mem / mysql", "ratio", "ack p50 mem / mysql", "ack p99 mem / mysql", "ack p99 Δ", "state p99 mem / mysql", "srv CPU% mem / mysql", "MariaDB CPU% mem / mysql", "MariaDB Δ", "other CPU%", "errors"];
  return markdown(
    head,
    rows.map((r) => [
      `${r.players[0]} / ${r.players[1]}`,
      pair(r.actionsPerSecond[0], r.actionsPerSecond[1], 0),
      f(r.actionsRatio, 2),
      pair(r.ackP50Ms[0], r.ackP50Ms[1]),
      pair(r.ackP99Ms[0], r.ackP99Ms[1]),
      signed(r.ackP99DeltaMs),
      pair(r.stateP99Ms[0], r.stateP99Ms[1]),
      pair(r.serverCpuPercent[0], r.serverCpuPercent[1], 0),
      pair(r.mariadbCpuPercent[0], r.mariadbCpuPercent[1], 0),
      signed(r.mariadbCpuDelta, 0),
      pair(r.otherCpuPercent[0], r.otherCpuPercent[1], 0),
      `${r.errors[0]} / ${r.errors[1]}`,
    ]),
  );
}

export function restartTable(levels: LevelResult[]): string {
  const head = ["players", "at s", "stop ms", "down ms", "seats", "closed 4100 / other", "back / left", "failed", "all back ms", "rejoin p50/p99", "acks held", "re-sent ok / lost", "seq lower / same state", "errors"];
  return markdown(
    head,
    levels
      .filter((l) => l.restart)
      .map((l) => {
        const r = l.restart!;
        return [
          String(l.players),
          String(r.atSecond),
          String(r.stopMs),
          String(r.downMs),
          String(r.seatsAtStop),
          `${r.closedWith4100} / ${r.closedOtherwise}`,
          `${r.rejoined + r.reconnected} / ${r.leftWhileAway ?? 0}`,
          String(r.rejoinFailed + r.stillAway),
          r.allBackMs === null ? `no (last ${f(r.lastBackMs, 0)})` : String(r.allBackMs),
          `${f(r.rejoin.p50, 0)} / ${f(r.rejoin.p99, 0)}`,
          String(r.acksHeld),
          `${r.acksVerified} / ${r.acksLost}`,
          `${r.stateRegressed} / ${r.statesMatched}${r.statesDiffered ? ` (${r.statesDiffered} differ)` : ""}`,
          String(l.errors),
        ];
      }),
  );
}
