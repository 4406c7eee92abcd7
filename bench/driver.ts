/**
 * The light driver of bench --compare, one process, driven over IPC like loadtest/worker.ts: rooms
 * of five (the first member creates, the others join by code), then each member acts in turn: after
 * the think time the mover sends its move, waits for its ack and for the state on all five members.
 * Records action -> ack and action -> all members (its own clock), joins, and reports its players
 * every second. The same program for every server; only the adapter (adapters.ts) differs. With
 * `spectators` S > 0 (ours only) the last S members of each room watch instead (`spectate: true`):
 * the room has 5 - S seats, the same five connections, one mover at a time as before, and the
 * action still waits for the state on all five.
 */
import "./driver-ws.ts";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Metrics } from "../loadtest/metrics.ts";
import { type Member, type Protocol, type ProtocolName, oursProtocol, peerProtocol, withTimeout } from "./adapters.ts";

export interface DriverPlan {
  protocol: ProtocolName;
  endpoint: string;
  players: number;
  /** players joining per second while the level ramps up */
  rampRate: number;
  /** mean think time before a move; each wait is uniform in 0.5-1.5x */
  thinkMs: number;
  timeoutMs: number;
  /** rooms are created with this many rounds: games end and rooms cycle, with joins, in every protocol */
  maxRounds: number;
  /** members of each room (the last room of a level may have fewer) */
  roomSize: number;
  /** members of each room who watch instead of playing (ours only; 0: all play) */
  spectators: number;
  namePrefix: string;
}

export type ToDriver = { type: "start"; plan: DriverPlan } | { type: "measure" } | { type: "report" } | { type: "stop" };
export type LoopDelay = { p50: number; p99: number; max: number };
export type FromDriver =
  | { type: "presence"; players: number; rooms: number }
  /** `codes`: join codes of rooms in play now (at most REPORTED_CODES), so the bench can ask the server what they hold */
  | { type: "report"; metrics: ReturnType<Metrics["toJSON"]>; loopDelay: LoopDelay; codes: string[] };

const REPORTED_CODES = 50;

class Driver {
  /** replaced when a window begins: always read through `this` */
  metrics = new Metrics();
  players = 0;
  rooms = 0;
  /** join codes of the rooms in play */
  readonly codes = new Set<string>();
  stopped = false;
  private readonly groups: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(
    readonly plan: DriverPlan,
    readonly protocol: Protocol,
  ) {}

  start() {
    const { players, rampRate, namePrefix, roomSize } = this.plan;
    for (let first = 0; first < players; first += roomSize) {
      const names = Array.from({ length: Math.min(roomSize, players - first) }, (_, i) => `${namePrefix}${first + i}`);
      this.groups.push(this.pause((first * 1000) / rampRate).then(() => this.group(names)));
    }
  }

  /** Sleeps, but wakes at once when the driver stops. */
  pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  think() {
    return this.pause(this.plan.thinkMs * (0.5 + Math.random()));
  }

  async stop(timeoutMs = 15_000) {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    await withTimeout(Promise.all(this.groups), timeoutMs, "the rooms to close").catch(() => {});
  }

  /** A room of up to roomSize: create, join by code (or watch), play the game out, leave, again. */
  private async group(names: string[]) {
    const { plan } = this;
    const watching = Math.min(plan.spectators, Math.max(0, names.length - 2));
    const seats = names.length - watching;
    while (!this.stopped) {
      const members: Member[] = [];
      const players: Member[] = [];
      let seated = false;
      let code = "";
      try {
        const t0 = performance.now();
        const created = await withTimeout(this.protocol.create(names[0], plan.maxRounds, seats), plan.timeoutMs, "create");
        code = created.code;
        this.metrics.record("create", performance.now() - t0);
        this.metrics.count("joins");
        members.push(created.member);
        players.push(created.member);
        await Promise.all(
          names.slice(1).map(async (name, i) => {
            const spectator = i + 1 >= seats;
            if (spectator && !this.protocol.watch) throw new Error(`${plan.protocol} has no spectators`);
            const t1 = performance.now();
            const member = await withTimeout(spectator ? this.protocol.watch!(code, name) : this.protocol.join(code, name), plan.timeoutMs, spectator ? "watch by code" : "join by code");
            members.push(member);
            if (!spectator) players.push(member);
            this.metrics.record("joinByCode", performance.now() - t1);
            this.metrics.count("joins");
          }),
        );
        await withTimeout(this.protocol.begin(players), plan.timeoutMs, "begin");
        if (this.stopped) break;
        seated = true;
        this.players += members.length;
        this.rooms++;
        this.codes.add(code);
        await this.play(members, players[0]);
      } catch (e) {
        if (!this.stopped) this.metrics.error(`room:${(e as Error).message.split(":")[0].slice(0, 40)}`, (e as Error).message);
        await this.pause(1000);
      } finally {
        if (seated) {
          this.players -= members.length;
          this.rooms--;
          this.codes.delete(code);
        }
        await Promise.all(members.map((m) => m.leave().catch(() => {})));
      }
      await this.pause(Math.random() * 500);
    }
  }

  /** Turn after turn until the game is over: the mover thinks, acts, and the time to its ack and to every member's state is recorded. */
  private async play(members: Member[], host: Member) {
    const { plan } = this;
    let op = 0;
    while (!this.stopped) {
      if (host.phase() === "finished") return void this.metrics.count("gamesFinished");
      const mover = members.find((m) => m.nextMove() !== null);
      if (!mover) {
        // the members' states are not there yet (the start, a join): wait for one to change
        await Promise.race(members.map((m) => m.change(plan.timeoutMs)));
        continue;
      }
      await this.think();
      const move = mover.nextMove();
      if (this.stopped || !move) continue;
      const opId = `${plan.namePrefix}-${members.indexOf(mover)}-${++op}`;
      const sentAt = performance.now();
      this.metrics.count("actions");
      const answer = await mover.act(move, opId);
      if (answer.error !== undefined) {
        this.metrics.error(`refused:${answer.error}`, `${move} ${opId}`);
        await this.pause(100);
        continue;
      }
      this.metrics.record("actionAck", performance.now() - sentAt);
      this.metrics.count("acks");
      const seq = answer.seq;
      const times = await withTimeout(Promise.all(members.map((m) => m.reached(seq))), plan.timeoutMs, `seq ${answer.seq} on every member`);
      this.metrics.record("stateAllMembers", Math.max(...times) - sentAt);
    }
  }
}

async function protocolFor(plan: DriverPlan): Promise<Protocol> {
  if (plan.protocol === "ours") return oursProtocol(plan.endpoint, plan.timeoutMs);
  return peerProtocol(plan.protocol, plan.endpoint, plan.timeoutMs);
}

if (!process.send) {
  console.error("bench/driver.ts is started by the bench (npm run bench -- --compare).");
  process.exit(2);
}
const send = (m: FromDriver) => process.send?.(m);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let driver: Driver | null = null;
setInterval(() => driver && send({ type: "presence", players: driver.players, rooms: driver.rooms }), 1000);

process.on("message", async (m: ToDriver) => {
  switch (m.type) {
    case "start":
      driver = new Driver(m.plan, await protocolFor(m.plan));
      driver.start();
      break;
    case "measure":
      if (driver) driver.metrics = new Metrics();
      loop.reset();
      break;
    case "report":
      send({
        type: "report",
        metrics: (driver?.metrics ?? new Metrics()).toJSON(),
        loopDelay: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
        codes: [...(driver?.codes ?? [])].slice(0, REPORTED_CODES),
      });
      break;
    case "stop":
      await driver?.stop();
      process.disconnect?.();
      setTimeout(() => process.exit(0), 100).unref();
      break;
  }
});
process.on("disconnect", () => process.exit(0));
