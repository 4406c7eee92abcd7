/** The machine a benchmark ran on, and CPU time / memory of processes read from /proc (Linux). */
import { readFileSync, readdirSync } from "node:fs";
import os from "node:os";

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGB: number;
  node: string;
  os: string;
  kernel: string;
}

export function machine(): Machine {
  let osName = `${os.type()} ${os.release()}`;
  try {
    const release = readFileSync("/etc/os-release", "utf8");
    osName = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(release)?.[1] ?? osName;
  } catch {
    /* not Linux: keep os.type() */
  }
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryGB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: osName,
    kernel: os.release(),
  };
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

export interface CpuSample {
  at: number;
  /** seconds of CPU (user + system) used so far by each pid; missing pids have exited */
  seconds: Map<number, number>;
  /** whole machine: busy and total jiffies from /proc/stat */
  machineBusy: number;
  machineTotal: number;
}

function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** CPU seconds a process has used so far in user and in system (kernel) mode, or null once it has exited. */
export function cpuModesOf(pid: number): { user: number; system: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

export function sampleCpu(pids: number[]): CpuSample {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    const s = cpuSecondsOf(pid);
    if (s !== null) seconds.set(pid, s);
  }
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = line[3] + (line[4] ?? 0);
  return { at: performance.now(), seconds, machineBusy: total - idle, machineTotal: total };
}

/** CPU used by `pids` between two samples, in % of one core (200% = both cores of a 2-core machine). */
export function cpuPercent(before: CpuSample, after: CpuSample, pids: number[]): number {
  const wall = (after.at - before.at) / 1000;
  let used = 0;
  for (const pid of pids) {
    const a = after.seconds.get(pid);
    const b = before.seconds.get(pid);
    if (a !== undefined && b !== undefined) used += a - b;
  }
  return wall > 0 ? (100 * used) / wall : 0;
}

/** The whole machine's busy share between two samples, in % of all cores. */
export function machineBusyPercent(before: CpuSample, after: CpuSample): number {
  const total = after.machineTotal - before.machineTotal;
  return total > 0 ? (100 * (after.machineBusy - before.machineBusy)) / total : 0;
}

/** Pids of running processes whose command name (/proc/<pid>/comm) is one of `names`, e.g. the database servers. */
export function pidsByName(names: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, "utf8").trim())) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** Resident memory of a process in bytes (VmRSS), or null once it has exited. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The machine may be shared (builds, test suites, browsers): before a level, waits (at most
 * `seconds`) for two quiet seconds in a row, under 15% of the machine busy, so levels start on an
 * idle box; `log` says once that it waits, and whether it gave up. Resolves true when it was quiet.
 */
export async function quietMachine(seconds: number, log: (line: string) => void): Promise<boolean> {
  const deadline = performance.now() + seconds * 1000;
  let quiet = 0;
  let told = false;
  while (performance.now() < deadline && quiet < 2) {
    const a = sampleCpu([]);
    await new Promise<void>((r) => setTimeout(r, 1000));
    const busy = machineBusyPercent(a, sampleCpu([]));
    quiet = busy < 15 ? quiet + 1 : 0;
    if (quiet === 0 && !told) {
      told = true;
      log(`the machine is busy (${busy.toFixed(0)}% of all cores) with other work: waiting up to ${seconds} s for it to calm down`);
    }
  }
  if (quiet < 2) log(`the machine stayed busy for ${seconds} s: measuring anyway (see otherCpuPercent)`);
  return quiet >= 2;
}
