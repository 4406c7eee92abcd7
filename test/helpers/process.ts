/** Runs the production start (`src/index.ts`) as a separate OS process, the way an operator does. */
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./net.ts";
import { until } from "./wait.ts";

export interface ServerProcess {
  port: number;
  http: string;
  ws: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM (graceful) or SIGKILL (a crash); resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a server process; `port` starts it on a given port (a restart in place), else on a free one. */
export async function startProcess(env: Record<string, string>, options: { port?: number } = {}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ["--import", "tsx", "src/index.ts"], {
    env: { ...process.env, DOTENV_CONFIG_QUIET: "true", NODE_ENV: "test", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const http = `http://127.0.0.1:${port}`;
  try {
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
      try {
        return (await fetch(`${http}/health`)).ok;
      } catch {
        return false;
      }
    }, `the server on port ${port} to answer /health`, 20_000);
  } catch (e) {
    child.kill("SIGKILL");
    throw e;
  }
  return {
    port,
    http,
    ws: `ws://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
