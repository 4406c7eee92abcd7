/** What one benchmark level measured, the printed table, the goals verdict, and the 1 vs N process comparison. */
import type { LatencySummary } from "../loadtest/histogram.ts";
import type { LatencyName } from "../loadtest/metrics.ts";

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
  /** GET /board round trips from the bench process during the window: the server's responsiveness */
  serverProbeMs: { count: number; p50: number; p99: number; max: number };
  /** % of all cores of the machine, everything included */
  machineBusyPercent: number;
  /** % of one core used by the bench process itself (health and responsiveness probes) */
  benchCpuPercent: number;
  /** % of one core used by MariaDB/MySQL and Redis on this machine (whether the servers use them or not) */
  storeCpuPercent: number;
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
  return [line(head), `|${widths.map((w) => "-".repeat(w + 1) + ":").join("|")}|`, ...rows.map(line)].join("\n");
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
