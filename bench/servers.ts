/**
 * Server processes for the bench: the production start (`node --import tsx src/index.ts`,
 * NODE_ENV=production) on free ports (or a given one, for a restart in place), stopped with SIGTERM
 * (then SIGKILL) however the bench ends.
 */
import { freePort } from "../test/helpers/net.ts";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface ServerProcess {
  port: number;
  pid: number;
  http: string;
  ws: string;
  child: ChildProcess;
  /** What the process was started with, to start it again the same way. */
  env: Record<string, string>;
  nodeArgs: string[];
  output: () => string;
  /** The first and the latest lines of output, each with performance.now() when it arrived (a restart's report dates its steps with them). */
  timeline: Array<{ at: number; line: string }>;
  /** performance.now() at the spawn, and when /health first answered */
  spawnedAt: number;
  readyAt: number;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
/** Every server this module started, in order (a restart adds the new process), for their logs. */
const started: ServerProcess[] = [];

/** Writes each started server's output (its first 50 KB and its latest 100-200 KB) to `dir`/server-<port>-<pid>.log. */
export function writeServerLogs(dir: string) {
  if (started.length === 0) return;
  mkdirSync(dir, { recursive: true });
  for (const s of started) writeFileSync(path.join(dir, `server-${s.port}-${s.pid}.log`), s.output());
}

/** Kills whatever this module started; for exit, error and signal paths. */
export function killAllServers() {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/**
 * `script` is our server by default (bench --compare starts its peers with the same function);
 * `cpus` pins the process with `taskset -c` (the caller checks that taskset exists: it execs node, so the pid is node's).
 */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = [], port?: number, { script = "src/index.ts", cpus }: { script?: string; cpus?: string } = {}): Promise<ServerProcess> {
  port ??= await freePort();
  const spawnedAt = performance.now();
  const command = [process.execPath, ...nodeArgs, "--import", "tsx", script];
  const [file, ...args] = cpus ? ["taskset", "-c", cpus, ...command] : command;
  const child = spawn(file, args, {
    env: { ...process.env, DOTENV_CONFIG_QUIET: "true", NODE_ENV: "production", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  // the start (head) and the latest output (tail) are kept: a busy server can log a lot in between
  let head = "";
  let output = "";
  const timeline: Array<{ at: number; line: string }> = [];
  let partial = "";
  const keep = (d: Buffer) => {
    if (head.length < 50_000) head += d;
    else output += d;
    if (output.length > 200_000) output = output.slice(-100_000);
    const lines = (partial + d).split("\n");
    partial = lines.pop() ?? "";
    const at = performance.now();
    for (const line of lines) timeline.push({ at, line });
    if (timeline.length > 3000) timeline.splice(200, timeline.length - 2000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => running.delete(child));
  const http = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${head}${output}`);
    try {
      if ((await fetch(`${http}/health`, { signal: AbortSignal.timeout(1000) })).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server on port ${port} did not answer /health within 30 s:\n${head}${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const server: ServerProcess = {
    port,
    pid: child.pid!,
    http,
    ws: `ws://127.0.0.1:${port}`,
    child,
    env,
    nodeArgs,
    output: () => (output ? `${head}\n[...]\n${output}` : head),
    timeline,
    spawnedAt,
    readyAt: performance.now(),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
  started.push(server);
  return server;
}

/** Rooms and clients the process hosts, from GET /health. */
export async function health(server: ServerProcess): Promise<{ rooms: number; clients: number } | null> {
  try {
    const res = await fetch(`${server.http}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { rooms: number; clients: number };
    return { rooms: body.rooms, clients: body.clients };
  } catch {
    return null;
  }
}
