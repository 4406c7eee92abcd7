/** A hand-written SVG chart: p99 latencies (log scale) and server CPU against concurrent players. */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import type { LevelResult } from "./report.ts";

export interface ChartRun {
  label: string;
  levels: LevelResult[];
  cores: number;
}

const W = 820;
const H = 500;
const M = { left: 64, right: 64, top: 40, bottom: 130 };
const PALETTE = ["#1f6fd1", "#1b9e5a", "#b3541e", "#7b3fb5"];
const LAT_TICKS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function chartSvg(runs: ChartRun[], title: string): string {
  const all = runs.flatMap((r) => r.levels);
  const maxPlayers = Math.max(1000, ...all.map((l) => l.players));
  const xMax = niceCeil(maxPlayers);
  const latencies = all.flatMap((l) => [l.latency.stateAllMembers.p99, l.latency.actionAck.p99, l.latency.joinByCode.p99]).filter((v): v is number => v !== null && v > 0);
  const yMin = 1;
  const yMax = LAT_TICKS.find((t) => t >= Math.max(100, ...latencies)) ?? 10000;
  const cpuMax = 100 * Math.max(1, ...runs.map((r) => r.cores));

  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (players: number) => M.left + (players / xMax) * plotW;
  const y = (ms: number) => M.top + plotH - ((Math.log10(Math.max(ms, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  const yCpu = (pct: number) => M.top + plotH - (Math.min(pct, cpuMax) / cpuMax) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);

  // grid and axes
  for (const t of LAT_TICKS.filter((t) => t >= yMin && t <= yMax)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const p = (xMax / 5) * i;
    out.push(`<line x1="${x(p)}" x2="${x(p)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#f2f2f2"/>`);
    out.push(`<text x="${x(p)}" y="${M.top + plotH + 16}" text-anchor="middle">${p}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const pct = (cpuMax / 4) * i;
    out.push(`<text x="${W - M.right + 6}" y="${yCpu(pct) + 4}" fill="#888">${pct}%</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${M.top + plotH + 34}" text-anchor="middle">concurrent players</text>`);
  out.push(`<text transform="translate(16 ${M.top + plotH / 2}) rotate(-90)" text-anchor="middle">p99 latency, ms (log scale)</text>`);
  out.push(`<text transform="translate(${W - 14} ${M.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#888">server CPU, % of one core</text>`);

  // the 50 ms goal
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(50)}" y2="${y(50)}" stroke="#d22" stroke-dasharray="6 4"/>`);
  out.push(`<text x="${W - M.right - 4}" y="${y(50) - 4}" text-anchor="end" fill="#d22">goal: 50 ms</text>`);
  // the 5,000-player goal
  if (xMax >= 5000) out.push(`<line x1="${x(5000)}" x2="${x(5000)}" y1="${M.top}" y2="${M.top + plotH}" stroke="#d22" stroke-dasharray="2 4"/>`);

  const series = [
    { key: "stateAllMembers" as const, name: "action → state on all members p99", dash: "" },
    { key: "actionAck" as const, name: "action → ack p99", dash: "6 3" },
    { key: "joinByCode" as const, name: "join by code p99", dash: "2 3" },
  ];
  const legendY = H - M.bottom + 50;
  runs.forEach((run, r) => {
    const color = PALETTE[r % PALETTE.length];
    const levels = [...run.levels].sort((a, b) => a.players - b.players);
    for (const s of series) {
      const pts = levels.filter((l) => l.latency[s.key].p99 !== null).map((l) => `${x(l.players).toFixed(1)},${y(l.latency[s.key].p99!).toFixed(1)}`);
      if (pts.length) {
        out.push(`<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
        for (const p of pts) out.push(`<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5" fill="${color}"/>`);
      }
    }
    const cpu = levels.map((l) => `${x(l.players).toFixed(1)},${yCpu(l.serverCpuPercent).toFixed(1)}`);
    if (cpu.length) {
      out.push(`<polyline points="${cpu.join(" ")}" fill="none" stroke="${color}" stroke-opacity="0.35" stroke-width="6"/>`);
    }
    const lx = M.left + r * 250;
    out.push(`<text x="${lx}" y="${legendY}" font-weight="bold" fill="${color}">${esc(run.label)}</text>`);
    series.forEach((s, i) => {
      const ly = legendY + 14 * (i + 1);
      out.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`);
      out.push(`<text x="${lx + 34}" y="${ly}">${esc(s.name)}</text>`);
    });
    const ly = legendY + 14 * (series.length + 1);
    out.push(`<line x1="${lx}" x2="${lx + 28}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-opacity="0.35" stroke-width="6"/>`);
    out.push(`<text x="${lx + 34}" y="${ly}">server CPU (right axis)</text>`);
  });
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}

function niceCeil(v: number): number {
  const steps = [1000, 2000, 2500, 5000, 6000, 8000, 10000, 15000, 20000];
  return steps.find((s) => s >= v) ?? Math.ceil(v / 5000) * 5000;
}

/** Draws every latest run in `dir` (latest-<N>p-<store>.json) on one chart: `dir`/latest.svg. */
export function writeChart(dir: string) {
  const runs: ChartRun[] = [];
  let machine = { cores: 0, cpuModel: "" };
  for (const file of readdirSync(dir).filter((f) => /^latest-\d+p-\w+\.json$/.test(f)).sort()) {
    const r = JSON.parse(readFileSync(`${dir}/${file}`, "utf8")) as { levels: LevelResult[]; mode: { processes: number; store: string }; machine: { cores: number; cpuModel: string } };
    machine = r.machine;
    runs.push({ label: `${r.mode.processes} server process${r.mode.processes > 1 ? "es" : ""} (${r.mode.store})`, levels: r.levels, cores: r.machine.cores });
  }
  const title = `boardroom: p99 latency and server CPU vs players (${machine.cores} cores, ${machine.cpuModel}, bots on the same machine)`;
  writeFileSync(`${dir}/latest.svg`, chartSvg(runs, title));
}
