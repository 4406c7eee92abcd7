/**
 * What GET /metrics exposes, in one place: one prom-client registry per server (several servers may
 * run in one process, as in the specs), and the small calls the room, the restorer, the rejoin route
 * and the MySQL store make. The hot path costs a counter increment; labels are message types and
 * error codes only, both fixed sets. Room and player gauges are read from the rooms when scraped.
 */
import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { CLIENT_MESSAGE_TYPES, type ClientMessageType } from "./messages/contract.ts";
import { ActionErrorCode } from "./messages/errors.ts";
import { observeQueries } from "./store/mysql/db.ts";
import type { MySqlStore } from "./store/mysql/index.ts";
import type { Store } from "./store/types.ts";

/** What the gauges read from a live game room (its synchronized state). */
export interface CountedRoom {
  state: { phase: string; players: { forEach(cb: (player: { connected: boolean }) => void): void } };
}

const PHASES = ["lobby", "playing", "finished"] as const;
/**
 * The abuse limits whose refusals are counted: failed join-code look-ups, a flooder's seat cooling
 * down, guest tokens per address, an address blocked at matchmaking after flood cuts, the cuts, and
 * replays per address.
 */
export const RATE_LIMITS = ["code_lookup", "seat_cooldown", "guest_tokens", "flood_block", "flood_cut", "replay"] as const;
export type RateLimit = (typeof RATE_LIMITS)[number];
/** From a commit in memory (sub-millisecond) to a database that holds an action for STORE_HOLD_SECONDS. */
const ACK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const QUERY_BUCKETS = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class Metrics {
  readonly registry = new Registry();
  private readonly rooms = new Set<CountedRoom>();
  private readonly messages: Counter<"type">;
  private readonly refusals: Counter<"code">;
  private readonly ackSeconds: Histogram;
  private readonly querySeconds: Histogram;
  private readonly queryErrors: Counter;
  private readonly restores: Counter;
  private readonly rejoins: Counter<"status">;
  private readonly limited: Counter<"limit">;

  constructor() {
    const registers = [this.registry];
    // process CPU, memory, handles, GC, and event-loop lag (nodejs_eventloop_lag_seconds and percentiles)
    collectDefaultMetrics({ register: this.registry });
    const rooms = this.rooms;
    new Gauge({
      name: "boardroom_rooms",
      help: "Game rooms on this process, by phase.",
      labelNames: ["phase"],
      registers,
      collect() {
        const counts: Record<string, number> = Object.fromEntries(PHASES.map((phase) => [phase, 0]));
        for (const room of rooms) counts[room.state.phase] = (counts[room.state.phase] ?? 0) + 1;
        for (const [phase, n] of Object.entries(counts)) this.set({ phase }, n);
      },
    });
    new Gauge({
      name: "boardroom_players_seated",
      help: "Players holding a seat in a game room on this process, connected or not.",
      registers,
      collect() {
        let n = 0;
        for (const room of rooms) room.state.players.forEach(() => {
          n++;
        });
        this.set(n);
      },
    });
    new Gauge({
      name: "boardroom_players_connected",
      help: "Seated players with a live connection to this process.",
      registers,
      collect() {
        let n = 0;
        for (const room of rooms) room.state.players.forEach((p) => {
          if (p.connected) n++;
        });
        this.set(n);
      },
    });
    this.messages = new Counter({ name: "boardroom_messages_total", help: "Client messages received by game rooms, by type.", labelNames: ["type"], registers });
    this.refusals = new Counter({ name: "boardroom_refusals_total", help: "Messages refused with a typed error, by error code.", labelNames: ["code"], registers });
    this.ackSeconds = new Histogram({
      name: "boardroom_action_ack_seconds",
      help: "From a message's arrival to its ack (the commit to the store included).",
      buckets: ACK_BUCKETS,
      registers,
    });
    this.querySeconds = new Histogram({ name: "boardroom_db_query_seconds", help: "MySQL statements of the store, from send to answer.", buckets: QUERY_BUCKETS, registers });
    this.queryErrors = new Counter({ name: "boardroom_db_query_errors_total", help: "MySQL statements of the store that failed or timed out.", registers });
    this.restores = new Counter({ name: "boardroom_restores_total", help: "Rooms of stopped processes restored on this process.", registers });
    this.rejoins = new Counter({ name: "boardroom_rejoins_total", help: "Answers of POST /rooms/:code/rejoin, by HTTP status.", labelNames: ["status"], registers });
    this.limited = new Counter({ name: "boardroom_rate_limited_total", help: "Requests refused with 429, and clients cut for flooding, by abuse limit.", labelNames: ["limit"], registers });
    // every series exists from the start, so a rate over a fresh process is not missing its first step
    for (const type of CLIENT_MESSAGE_TYPES) this.messages.inc({ type }, 0);
    for (const code of Object.keys(ActionErrorCode)) this.refusals.inc({ code }, 0);
    for (const limit of RATE_LIMITS) this.limited.inc({ limit }, 0);
  }

  /** A game room is live (onCreate) or gone (onDispose). */
  track(room: CountedRoom) {
    this.rooms.add(room);
  }
  untrack(room: CountedRoom) {
    this.rooms.delete(room);
  }

  /** A message arrived; call the answer when its ack is sent. */
  received(type: ClientMessageType): () => void {
    this.messages.labels(type).inc();
    const arrived = performance.now();
    return () => this.ackSeconds.observe((performance.now() - arrived) / 1000);
  }

  refused(code: string) {
    this.refusals.labels(code).inc();
  }

  restored() {
    this.restores.inc();
  }

  rateLimited(limit: RateLimit) {
    this.limited.labels(limit).inc();
  }

  /** Middleware before the API's routes: counts each 429 by the limit its route named (`res.locals.rateLimit`). */
  readonly countRateLimits: RequestHandler = (_req, res, next) => {
    res.once("finish", () => {
      const limit = res.locals.rateLimit as RateLimit | undefined;
      if (res.statusCode === 429 && limit) this.rateLimited(limit);
    });
    next();
  };

  /** Middleware before POST /rooms/:code/rejoin: counts its answer by status once it is sent. */
  readonly countRejoin: RequestHandler = (_req, res, next) => {
    res.once("finish", () => this.rejoins.labels(String(res.statusCode)).inc());
    next();
  };

  /** Times the MySQL store's statements (the store itself knows nothing of metrics). */
  watchStore(store: Store) {
    if (store.kind !== "mysql") return;
    observeQueries((store as MySqlStore).pool, (seconds, failed) => {
      this.querySeconds.observe(seconds);
      if (failed) this.queryErrors.inc();
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
