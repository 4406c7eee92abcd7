/**
 * Where a server's time went: the top self-time functions and packages of a V8 .cpuprofile
 * (node --cpu-prof). `npx tsx bench/profile.ts file.cpuprofile` prints the same summary.
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The package (or area) a script belongs to: `@colyseus/schema`, `src/rooms`, `node:internal`, ... */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const local = /\/(src\/[^/]+|arena\.config\.ts)/.exec(url);
  if (local) return local[1];
  return url.replace(/^file:\/\//, "");
}

export function summariseProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));

  const functions = new Map<string, { us: number; area: string }>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    total += us;
    if (frame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    const file = frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/\/work\/main\//, "").replace(/^.*\/(src|arena)/, "$1");
    const key = `${frame.functionName || "(anonymous)"}  ${file}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    const area = areaOf(frame.url, frame.functionName);
    const f = functions.get(key) ?? { us: 0, area };
    f.us += us;
    functions.set(key, f);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number) => `${((100 * us) / Math.max(1, busy)).toFixed(1)}%`;
  const ms = (us: number) => `${(us / 1000).toFixed(0)} ms`;
  const lines: string[] = [];
  lines.push(`profiled ${ms(profile.endTime - profile.startTime)}: busy ${ms(busy)}, idle ${ms(idle)} (${((100 * busy) / Math.max(1, total)).toFixed(0)}% busy)`);
  lines.push("", "self time by package / area (share of busy time):", "");
  lines.push("| area | self | share |", "| --- | ---: | ---: |");
  for (const [area, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`| ${area} | ${ms(us)} | ${pct(us)} |`);
  lines.push("", `top ${top} functions by self time:`, "");
  lines.push("| function | area | self | share |", "| --- | --- | ---: | ---: |");
  for (const [key, f] of [...functions].sort((a, b) => b[1].us - a[1].us).slice(0, top)) {
    lines.push(`| \`${key.replace(/\|/g, "\\|")}\` | ${f.area} | ${ms(f.us)} | ${pct(f.us)} |`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: npx tsx bench/profile.ts <file.cpuprofile> [top]");
    process.exit(2);
  }
  console.log(summariseProfile(JSON.parse(readFileSync(file, "utf8")), Number(process.argv[3] ?? 25)));
}
