/**
 * Prints the markdown tables of the latest runs (bench/results/latest-*.json), for the README, and
 * redraws bench/results/latest.svg from them; and the bench --compare tables. `npx tsx bench/tables.ts`
 */
import { readFileSync, readdirSync } from "node:fs";
import { writeChart } from "./chart.ts";
import { byLevel, compareTable, spectatorTable, type CompareServer } from "./compare.ts";
import { table, type LevelResult } from "./report.ts";

for (const file of readdirSync("bench/results").filter((f) => /^latest-\d+p-\w+\.json$/.test(f)).sort()) {
  const run = JSON.parse(readFileSync(`bench/results/${file}`, "utf8")) as { startedAt: string; mode: { processes: number; store: string }; levels: LevelResult[]; stoppedBecause: string };
  console.log(`#### ${run.mode.processes} process(es), ${run.mode.store} store (${run.startedAt}, ${file})\n`);
  console.log(table(run.levels));
  console.log(`\n${run.stoppedBecause}\n`);
}

// bench --compare: one table per think time (and --peers ours-spectators alone: latest-compare-spectators-think*.json)
for (const file of readdirSync("bench/results").filter((f) => /^latest-compare-(peers|spectators)-think\d+\.json$/.test(f)).sort()) {
  const run = JSON.parse(readFileSync(`bench/results/${file}`, "utf8")) as { startedAt: string; servers: CompareServer[] };
  console.log(`#### compared with the peers (${run.startedAt}, ${file})\n`);
  console.log(compareTable(byLevel(run.servers)));
  console.log(`\n${run.servers.map((s) => `${s.server}: idle RSS ${s.idleRssMB} MB, RSS slope ${s.rssSlopeKBPerPlayer ?? "-"} KB/player`).join("; ")}\n`);
  const spectators = spectatorTable(run.servers);
  if (spectators) console.log(`rooms of 5 players against rooms of 2 players + 3 spectators:\n\n${spectators}\n`);
}

writeChart("bench/results");
