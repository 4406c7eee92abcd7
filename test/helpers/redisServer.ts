/**
 * A redis-server of a spec's own, on a free port, that the spec may crash and start again empty
 * (`--save "" --appendonly no`: nothing survives a restart). The shared Redis is never touched.
 * Without a redis-server binary the calling suite is skipped, unless REQUIRE_REDIS=1.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import net from "node:net";
import { freePort } from "./net.ts";
import { REQUIRE_REDIS } from "./redis.ts";
import { until } from "./wait.ts";

const BINARY = "redis-server";

/** null when a redis-server binary runs here, else why not. */
export function redisServerUnavailableReason(): string | null {
  const probe = spawnSync(BINARY, ["--version"], { encoding: "utf8" });
  if (probe.error) return `no ${BINARY} binary on PATH (${probe.error.message})`;
  if (probe.status !== 0) return `${BINARY} --version exited with ${probe.status}`;
  return null;
}

/** Skips the calling suite (or fails it under REQUIRE_REDIS=1) when there is no redis-server. */
export function requireRedisServer(ctx: Mocha.Context): void {
  const reason = redisServerUnavailableReason();
  if (reason === null) return;
  if (REQUIRE_REDIS) throw new Error(`REQUIRE_REDIS=1 but ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

export class RedisServer {
  private child: ChildProcess | null = null;
  private output = "";

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.startAgain();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A crash and a start on the same port: the new server holds no data at all. */
  async restart(): Promise<void> {
    await this.kill();
    await this.startAgain();
  }

  /** SIGKILL; resolves when the process has exited. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGKILL");
    await exited;
  }

  /** Starts the server on its port (after a kill: empty); resolves once it answers PING. Running already: nothing. */
  async startAgain(): Promise<void> {
    // a second server on the port would fail to bind, and the running one would be lost (and leaked)
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.output = "";
    const child = spawn(BINARY, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d) => (this.output += d));
    child.stderr!.on("data", (d) => (this.output += d));
    this.child = child;
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`${BINARY} exited with ${child.exitCode}:\n${this.output}`);
      return (await ping(this.port)) === "+PONG";
    }, `${BINARY} on port ${this.port} to answer PING`, 10_000);
  }
}

/** One PING over a raw socket: the first line of the answer, or null when nothing answers. */
function ping(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    let answer = "";
    const done = (value: string | null) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(500, () => done(null));
    socket.once("error", () => done(null));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => {
      answer += d;
      if (answer.includes("\r\n")) done(answer.split("\r\n")[0]);
    });
  });
}
