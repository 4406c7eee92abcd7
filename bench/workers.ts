/** Bot worker processes (loadtest/worker.ts) forked by the bench and driven over IPC. */
import { fork, type ChildProcess } from "node:child_process";
import type { BotSettings } from "../loadtest/bot.ts";
import type { MetricsData } from "../loadtest/metrics.ts";
import type { FromWorker, LoopDelay, ToWorker, WorkerStatus } from "../loadtest/worker.ts";
import type { SwarmPlan } from "../loadtest/swarm.ts";

const running = new Set<ChildProcess>();

export function killAllWorkers() {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

export class BotWorker {
  readonly child: ChildProcess;
  players = 0;
  rooms = 0;
  private output = "";
  private reportWaiter: ((m: { metrics: MetricsData; loopDelay: LoopDelay }) => void) | null = null;
  private statusWaiters: Array<(m: WorkerStatus) => void> = [];
  private readonly exited: Promise<void>;

  constructor(readonly index: number) {
    this.child = fork("loadtest/worker.ts", [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "pipe", "pipe", "ipc"] });
    running.add(this.child);
    const keep = (d: Buffer) => {
      this.output = (this.output + d).slice(-20_000);
    };
    this.child.stdout!.on("data", keep);
    this.child.stderr!.on("data", keep);
    this.exited = new Promise((resolve) => this.child.once("exit", () => resolve()));
    void this.exited.then(() => running.delete(this.child));
    this.child.on("message", (m: FromWorker) => {
      if (m.type === "presence") {
        this.players = m.players;
        this.rooms = m.rooms;
      } else if (m.type === "report") {
        this.reportWaiter?.(m);
        this.reportWaiter = null;
      } else if (m.type === "status") {
        const { type: _type, ...status } = m;
        for (const resolve of this.statusWaiters.splice(0)) resolve(status);
      }
    });
  }

  get pid() {
    return this.child.pid!;
  }

  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  log() {
    return this.output;
  }

  private send(m: ToWorker) {
    if (this.alive && this.child.connected) this.child.send(m);
  }

  start(settings: BotSettings, plan: SwarmPlan) {
    this.send({ type: "start", settings, plan });
  }

  measure() {
    this.send({ type: "measure" });
  }

  report(timeoutMs = 15_000): Promise<{ metrics: MetricsData; loopDelay: LoopDelay }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bot worker ${this.index} sent no report within ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      this.reportWaiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.send({ type: "report" });
    });
  }

  /** Seats connected and away right now, and the restart counters of the window so far. */
  status(timeoutMs = 5000): Promise<WorkerStatus> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bot worker ${this.index} sent no status within ${timeoutMs} ms:\n${this.output.slice(-2000)}`)), timeoutMs);
      this.statusWaiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.send({ type: "status" });
    });
  }

  /** Bots leave their rooms and the process exits; killed if that takes longer than `timeoutMs`. */
  async stop(timeoutMs = 25_000) {
    this.send({ type: "stop" });
    const killer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(killer);
  }
}
