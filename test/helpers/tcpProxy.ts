/**
 * A TCP proxy for outage tests: listens on a port of 127.0.0.1 and pipes every connection to a
 * target (MySQL, Redis, a game server...). A test points its client at `proxy.port` (or
 * `proxy.url(...)`) and then takes the network away and gives it back:
 *
 * - `cut("refuse")`: open connections are reset, new ones are refused (ECONNREFUSED);
 * - `cut("blackhole")`: open connections are reset, new ones are accepted but nothing answers them
 *   (a connect that never completes) until `restore()` connects them through;
 * - `cut("reset")`: open connections are reset, new ones are accepted and reset at once;
 * - `freeze()`: a partition that leaves connections open: nothing passes either way, on open or new
 *   connections, until `restore()`, when what was sent meanwhile flows on (as TCP would deliver it);
 * - `freezeReplies()`: the same for the answers only: what the client sends still reaches the target
 *   (a statement runs and commits), its answer is held until `restore()` (new connections wait).
 */
import net from "node:net";

export type CutMode = "refuse" | "blackhole" | "reset";

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class TcpProxy {
  private server: net.Server | null = null;
  private readonly pairs = new Set<Pair>();
  /** Accepted while black-holed or frozen: waiting for restore(). */
  private readonly held = new Set<net.Socket>();
  private state: { kind: "open" } | { kind: "cut"; mode: CutMode } | { kind: "frozen" } | { kind: "replies-frozen" } = { kind: "open" };
  private listenPort = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  /** A proxy to `target` on a free port (or `port`), passing traffic. */
  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    proxy.listenPort = port;
    await proxy.listen();
    return proxy;
  }

  get host(): string {
    return "127.0.0.1";
  }

  get port(): number {
    return this.listenPort;
  }

  /** Connections piped through now. */
  get connections(): number {
    return this.pairs.size;
  }

  /** `url` with its host and port replaced by the proxy's (mysql://u@db:3306/x -> mysql://u@127.0.0.1:<port>/x). */
  url(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = this.host;
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Resets every open connection; new ones are refused, black-holed or reset (see the file's head). */
  async cut(mode: CutMode = "refuse"): Promise<void> {
    this.state = { kind: "cut", mode };
    for (const pair of [...this.pairs]) this.drop(pair);
    if (mode === "refuse") await this.unlisten();
  }

  /** Nothing passes on open or new connections until restore(); the connections stay open. */
  freeze(): void {
    this.state = { kind: "frozen" };
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** The target's answers stop on open connections (what the client sends still goes through); new connections wait. */
  freezeReplies(): void {
    this.state = { kind: "replies-frozen" };
    for (const { client, upstream } of this.pairs) {
      upstream.unpipe(client);
      upstream.pause();
    }
  }

  /** Traffic passes again: frozen connections flow on, held ones are connected through. */
  async restore(): Promise<void> {
    const was = this.state.kind;
    this.state = { kind: "open" };
    if (!this.server) await this.listen();
    for (const { client, upstream } of this.pairs) {
      if (was === "frozen") client.pipe(upstream);
      if (was === "frozen" || was === "replies-frozen") upstream.pipe(client);
    }
    for (const socket of [...this.held]) {
      this.held.delete(socket);
      if (!socket.destroyed) this.connectThrough(socket);
    }
  }

  /** Closes every connection and the listener. */
  async close(): Promise<void> {
    this.state = { kind: "cut", mode: "refuse" };
    for (const pair of [...this.pairs]) this.drop(pair);
    for (const socket of this.held) socket.destroy();
    this.held.clear();
    await this.unlisten();
  }

  private listen(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.listenPort, this.host, () => {
        server.off("error", reject);
        this.listenPort = (server.address() as net.AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    // stops accepting at once; the callback would wait for connections we track ourselves
    server.close();
    return Promise.resolve();
  }

  private accept(socket: net.Socket) {
    socket.on("error", () => {});
    const state = this.state;
    if (state.kind === "open") return this.connectThrough(socket);
    if (state.kind === "cut" && state.mode !== "blackhole") return void socket.resetAndDestroy();
    socket.pause();
    this.held.add(socket);
    socket.once("close", () => this.held.delete(socket));
  }

  private connectThrough(client: net.Socket) {
    const upstream = net.connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    upstream.on("error", () => {});
    client.on("error", () => {});
    client.once("close", () => this.drop(pair));
    upstream.once("close", () => this.drop(pair));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private drop(pair: Pair) {
    if (!this.pairs.delete(pair)) return;
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    if (!pair.upstream.destroyed) pair.upstream.destroy();
  }
}
