/**
 * The leaderboard and players' histories: one fixture of finished matches recorded into the MySQL
 * and the in-memory store, whose answers must deep-equal each other and the tables written out
 * below by hand (src/store/leaderboard.ts says who a player is and the order); then the routes
 * through a real server on each store, and games played through the rooms with player tokens.
 */
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import type { LeaderboardEntry, LeaderboardPeriod, PlayerMatch } from "../src/store/leaderboard.ts";
import { MemoryStore } from "../src/store/memory/index.ts";
import { createStore } from "../src/store/index.ts";
import { LeaderboardCache } from "../src/store/leaderboardCache.ts";
import { MySqlStore } from "../src/store/mysql/index.ts";
import type { MatchRecord, Store } from "../src/store/types.ts";
import { backends } from "./helpers/backends.ts";
import { matchStoreBackends } from "./helpers/matchStores.ts";
import { suiteDatabase } from "./helpers/mysql.ts";
import { PlayerSDK, observe, playToTheEnd, readyAndStart } from "./helpers/players.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { until } from "./helpers/wait.ts";

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** A player's result, listed in the order the player finished. */
interface Finisher {
  name: string;
  seat: number;
  netWorth: number;
  /** 1 = the first to go bankrupt. */
  bankruptOrder?: number;
  identity?: string;
}

/**
 * A finished match that ended `ago` ms before `now`. The players are listed in the order they
 * finished (the stores rank again from the facts: net worth, seat, bankruptcy order).
 */
function finished(code: string, now: number, ago: number, players: Finisher[]): MatchRecord {
  return {
    key: `room-${code}#1`,
    roomId: `room-${code}`,
    code,
    seed: Number(code),
    startedAt: new Date(now - ago - HOUR),
    endedAt: new Date(now - ago),
    rounds: 20,
    endReason: "round_limit",
    winnerName: players[0].name,
    players: players.map((p, i) => ({
      name: p.name,
      seat: p.seat,
      finalMoney: p.bankruptOrder ? 0 : p.netWorth,
      netWorth: p.netWorth,
      bankrupt: p.bankruptOrder !== undefined,
      bankruptOrder: p.bankruptOrder ?? null,
      rank: i + 1,
      identity: p.identity ?? null,
    })),
  };
}

/**
 * Players without identities, in matches of the last day (1-3 h ago), of the last week (3 and 5
 * days ago) and older (20 and 40 days ago). Recorded in this order: match ids 1 to 7.
 */
function namedFixture(now: number): MatchRecord[] {
  return [
    // 1: an hour ago
    finished("100001", now, 1 * HOUR, [
      { name: "Ann", seat: 0, netWorth: 2000 },
      { name: "Bob", seat: 1, netWorth: 1500 },
      { name: "Cy", seat: 2, netWorth: 1000 },
    ]),
    // 2: Bob's best equals Ann's (2000): in the last day the two are equal on all three counts
    finished("100002", now, 2 * HOUR, [
      { name: "Bob", seat: 0, netWorth: 2000 },
      { name: "Ann", seat: 1, netWorth: 1200 },
    ]),
    // 3: Eve went bankrupt
    finished("100003", now, 3 * DAY, [
      { name: "Cy", seat: 0, netWorth: 3000 },
      { name: "Di", seat: 1, netWorth: 500 },
      { name: "Eve", seat: 2, netWorth: 0, bankruptOrder: 1 },
    ]),
    // 4: equal net worth, the lower seat ranks first
    finished("100004", now, 5 * DAY, [
      { name: "Di", seat: 0, netWorth: 2500 },
      { name: "Ann", seat: 1, netWorth: 2500 },
    ]),
    // 5
    finished("100005", now, 20 * DAY, [
      { name: "Eve", seat: 0, netWorth: 4000 },
      { name: "Bob", seat: 1, netWorth: 100 },
    ]),
    // 6: "ann" is another player than "Ann" (MySQL's collations would make them one)
    finished("100006", now, 40 * DAY, [
      { name: "Ann", seat: 0, netWorth: 900 },
      { name: "Cy", seat: 1, netWorth: 700 },
      { name: "ann", seat: 2, netWorth: 600 },
    ]),
    // 7: three hours ago; equal net worth again, Di has the lower seat
    finished("100007", now, 3 * HOUR, [
      { name: "Di", seat: 0, netWorth: 1800 },
      { name: "Eve", seat: 1, netWorth: 1800 },
    ]),
  ];
}

const row = (rank: number, name: string, wins: number, games: number, averageRank: number, netWorth: number): LeaderboardEntry => ({
  rank,
  name,
  wins,
  games,
  averageRank,
  netWorth,
});

/** The named fixture's tables, worked out by hand (ranks per match in the fixture's comments). */
const NAMED_TABLES: Record<LeaderboardPeriod, LeaderboardEntry[]> = {
  // matches 1, 2, 7. Ann and Bob: 1 win, ranks 1 and 2, best 2000: they share rank 2, by name
  day: [
    row(1, "Di", 1, 1, 1, 1800),
    row(2, "Ann", 1, 2, 1.5, 2000),
    row(2, "Bob", 1, 2, 1.5, 2000),
    row(4, "Eve", 0, 1, 2, 1800),
    row(5, "Cy", 0, 1, 3, 1000),
  ],
  // + matches 3 and 4. Bob, Ann and Cy tie on one win; average ranks 1.5, 5/3 (1.67), 2
  week: [
    row(1, "Di", 2, 3, 1.33, 2500),
    row(2, "Bob", 1, 2, 1.5, 2000),
    row(3, "Ann", 1, 3, 1.67, 2500),
    row(4, "Cy", 1, 2, 2, 3000),
    row(5, "Eve", 0, 2, 2.5, 1800),
  ],
  // + matches 5 and 6. Eve and Cy tie on one win and an average rank of 2: Eve's best is higher
  all: [
    row(1, "Di", 2, 3, 1.33, 2500),
    row(2, "Ann", 2, 4, 1.5, 2500),
    row(3, "Bob", 1, 3, 1.67, 2000),
    row(4, "Eve", 1, 3, 2, 4000),
    row(5, "Cy", 1, 3, 2, 3000),
    row(6, "ann", 0, 1, 3, 600),
  ],
};

/**
 * Players with identities: acct:1 played as "Ann", then as "Annie"; acct:2 as "Bob", then "Bobby";
 * and a guest "Ann" without an identity, another player than acct:1. Match ids 1 to 3.
 */
function identityFixture(now: number): MatchRecord[] {
  return [
    finished("200001", now, 30 * DAY, [
      { name: "Ann", seat: 0, netWorth: 2000, identity: "acct:1" },
      { name: "Bob", seat: 1, netWorth: 1000, identity: "acct:2" },
    ]),
    finished("200002", now, 2 * DAY, [
      { name: "Bob", seat: 1, netWorth: 1500, identity: "acct:2" },
      { name: "Ann", seat: 2, netWorth: 1200 },
      { name: "Annie", seat: 0, netWorth: 500, identity: "acct:1" },
    ]),
    finished("200003", now, 1 * HOUR, [
      { name: "Bobby", seat: 0, netWorth: 3000, identity: "acct:2" },
      { name: "Ann", seat: 1, netWorth: 100 },
    ]),
  ];
}

const IDENTITY_TABLES: Record<LeaderboardPeriod, LeaderboardEntry[]> = {
  day: [row(1, "Bobby", 1, 1, 1, 3000), row(2, "Ann", 0, 1, 2, 100)],
  week: [row(1, "Bobby", 2, 2, 1, 3000), row(2, "Ann", 0, 2, 2, 1200), row(3, "Annie", 0, 1, 3, 500)],
  // acct:2 ranks 2, 1, 1; acct:1 ranks 1, 3 (shown by its latest name); the guest Ann 2, 2
  all: [row(1, "Bobby", 2, 3, 1.33, 3000), row(2, "Annie", 1, 2, 2, 2000), row(3, "Ann", 0, 2, 2, 1200)],
};

const PERIODS: LeaderboardPeriod[] = ["day", "week", "all"];

async function recordAll(store: Store, matches: MatchRecord[]) {
  for (const match of matches) await store.matches.record(match);
}

const history = (matchId: number, name: string, rank: number, players: number, netWorth: number, winsSoFar: number, gamesSoFar: number) => ({
  matchId,
  name,
  rank,
  players,
  netWorth,
  winsSoFar,
  gamesSoFar,
});
const withoutDates = (matches: PlayerMatch[]) => matches.map(({ endedAt: _endedAt, ...rest }) => rest);

for (const backend of matchStoreBackends({ connectionLimit: 2 })) {
  describe(`leaderboard: ${backend.name}`, () => {
    let store: Store;
    let now: number;

    before(async function () {
      await backend.setup(this);
    });
    after(() => backend.teardown());
    beforeEach(async () => {
      store = await backend.create();
      now = Date.now();
    });
    afterEach(() => store.close());

    it("ranks players by wins, then average rank, then best net worth, over the last day, the last week and all time", async () => {
      await recordAll(store, namedFixture(now));
      for (const period of PERIODS) assert.deepEqual(await store.matches.leaderboard(period, 50), NAMED_TABLES[period], period);
    });

    it("answers the first `limit` players, cutting through a shared rank, and none for a limit of 0", async () => {
      await recordAll(store, namedFixture(now));
      assert.deepEqual(await store.matches.leaderboard("all", 3), NAMED_TABLES.all.slice(0, 3));
      assert.deepEqual(await store.matches.leaderboard("day", 2), NAMED_TABLES.day.slice(0, 2));
      assert.deepEqual(await store.matches.leaderboard("all", 0), []);
      await assert.rejects(store.matches.leaderboard("all", -1), RangeError);
      await assert.rejects(store.matches.leaderboard("all", 1.5), RangeError);
    });

    it("answers an empty leaderboard before any match was recorded", async () => {
      for (const period of PERIODS) assert.deepEqual(await store.matches.leaderboard(period, 50), []);
    });

    it("counts an identity as one player whatever its names, shown by its latest one, apart from a guest of the same name", async () => {
      await recordAll(store, identityFixture(now));
      for (const period of PERIODS) assert.deepEqual(await store.matches.leaderboard(period, 50), IDENTITY_TABLES[period], period);
    });

    it("gives a player's matches newest first, with their rank, the match id and running totals of wins and games", async () => {
      const fixture = namedFixture(now);
      await recordAll(store, fixture);
      const ann = await store.matches.playerMatches("Ann", 50);
      assert.deepEqual(withoutDates(ann), [
        history(1, "Ann", 1, 3, 2000, 2, 4),
        history(2, "Ann", 2, 2, 1200, 1, 3),
        history(4, "Ann", 2, 2, 2500, 1, 2),
        history(6, "Ann", 1, 3, 900, 1, 1),
      ]);
      assert.deepEqual(ann.map((m) => m.endedAt), [0, 1, 3, 5].map((i) => fixture[i].endedAt.toISOString()));
      assert.deepEqual(withoutDates(await store.matches.playerMatches("ann", 50)), [history(6, "ann", 3, 3, 600, 0, 1)]);
      assert.deepEqual(withoutDates(await store.matches.playerMatches("Ann", 2)), withoutDates(ann.slice(0, 2)));
      assert.deepEqual(await store.matches.playerMatches("Nobody", 50), []);
    });

    it("gives an identity's whole history under its latest name, and a guest's own under the same old name", async () => {
      await recordAll(store, identityFixture(now));
      assert.deepEqual(withoutDates(await store.matches.playerMatches("Annie", 50)), [
        history(2, "Annie", 3, 3, 500, 1, 2),
        history(1, "Ann", 1, 2, 2000, 1, 1),
      ]);
      assert.deepEqual(withoutDates(await store.matches.playerMatches("Ann", 50)), [
        history(3, "Ann", 2, 2, 100, 0, 2),
        history(2, "Ann", 2, 3, 1200, 0, 1),
      ]);
      assert.deepEqual(withoutDates(await store.matches.playerMatches("Bobby", 50)), [
        history(3, "Bobby", 1, 2, 3000, 2, 3),
        history(2, "Bob", 1, 3, 1500, 1, 2),
        history(1, "Bob", 2, 2, 1000, 0, 1),
      ]);
      // "Bob" is nobody's latest name any more, and names are exact
      assert.deepEqual(await store.matches.playerMatches("Bob", 50), []);
      assert.deepEqual(await store.matches.playerMatches("bobby", 50), []);
    });
  });
}

describe("leaderboard: in-memory and MySQL stores", () => {
  const db = suiteDatabase();
  before(async function () {
    await db.setup(this);
  });
  after(() => db.teardown());

  it("give deep-equal answers for the same matches, with identities and without", async () => {
    const now = Date.now();
    for (const fixture of [namedFixture(now), identityFixture(now), [...namedFixture(now), ...identityFixture(now)]]) {
      const inMemory = new MemoryStore({ staleProcessSeconds: 30 });
      const inMysql = new MySqlStore({ url: db.url(), staleProcessSeconds: 30 });
      try {
        await inMysql.init();
        await inMysql.pool.query("DELETE FROM matches");
        await inMysql.pool.query("ALTER TABLE matches AUTO_INCREMENT = 1");
        for (const store of [inMemory, inMysql]) await recordAll(store, fixture);
        for (const period of PERIODS) {
          for (const limit of [0, 1, 2, 50]) {
            assert.deepEqual(await inMysql.matches.leaderboard(period, limit), await inMemory.matches.leaderboard(period, limit), `${period}, limit ${limit}`);
          }
        }
        for (const name of ["Ann", "ann", "Annie", "Bob", "Bobby", "Cy", "Di", "Eve", "Nobody"]) {
          assert.deepEqual(await inMysql.matches.playerMatches(name, 50), await inMemory.matches.playerMatches(name, 50), name);
        }
      } finally {
        await inMysql.close();
      }
    }
  });
});

for (const kind of ["in-memory", "MySQL"] as const) {
  describe(`GET /leaderboard and GET /players/:name/matches through a real server (${kind} store)`, () => {
    const db = suiteDatabase();
    let server: TestServer;
    let fixture: MatchRecord[];

    before(async function () {
      if (kind === "MySQL") await db.setup(this);
      server = await startServer(kind === "MySQL" ? { mysqlUrl: db.url() } : {});
      fixture = namedFixture(Date.now());
      await recordAll(server.parts.store, fixture);
    });
    after(async () => {
      await server?.stop();
      if (kind === "MySQL") await db.teardown();
    });

    const get = async (path: string) => {
      const res = await fetch(`${server.http}${path}`);
      return { status: res.status, body: await res.json() };
    };

    it("answers the all-time table when no period is given, every count and average a JSON number", async () => {
      const { status, body } = await get("/leaderboard");
      assert.equal(status, 200);
      assert.deepEqual(body, { players: NAMED_TABLES.all });
      for (const player of body.players) {
        for (const key of ["rank", "wins", "games", "averageRank", "netWorth"] as const) assert.equal(typeof player[key], "number", key);
      }
    });

    it("answers each period's table, at most `limit` players, a limit over 50 taken as 50", async () => {
      for (const period of PERIODS) assert.deepEqual((await get(`/leaderboard?period=${period}`)).body, { players: NAMED_TABLES[period] }, period);
      assert.deepEqual((await get("/leaderboard?period=week&limit=2")).body, { players: NAMED_TABLES.week.slice(0, 2) });
      assert.deepEqual(await get("/leaderboard?limit=5000"), { status: 200, body: { players: NAMED_TABLES.all } });
    });

    it("refuses a period or limit it does not know with 400 INVALID_QUERY, and the table stays as it was", async () => {
      for (const query of ["period=month", "period=", "period=DAY", "period=day&period=week", "limit=0", "limit=-1", "limit=abc", "limit=2.5", "limit=1e1", "limit=", "limit=1&limit=2"]) {
        const { status, body } = await get(`/leaderboard?${query}`);
        assert.equal(status, 400, query);
        assert.equal(body.error.code, "INVALID_QUERY", query);
        assert.equal(typeof body.error.message, "string");
      }
      assert.deepEqual((await get("/leaderboard")).body, { players: NAMED_TABLES.all });
    });

    it("answers a player's matches newest first with their rank in each, by ids that GET /matches/recent lists", async () => {
      const { status, body } = await get("/players/Ann/matches");
      assert.equal(status, 200);
      assert.deepEqual(body, {
        matches: [
          { ...history(1, "Ann", 1, 3, 2000, 2, 4), endedAt: fixture[0].endedAt.toISOString() },
          { ...history(2, "Ann", 2, 2, 1200, 1, 3), endedAt: fixture[1].endedAt.toISOString() },
          { ...history(4, "Ann", 2, 2, 2500, 1, 2), endedAt: fixture[3].endedAt.toISOString() },
          { ...history(6, "Ann", 1, 3, 900, 1, 1), endedAt: fixture[5].endedAt.toISOString() },
        ],
      });
      const recent = (await get("/matches/recent?limit=50")).body.matches as Array<{ id: number; players: Array<{ name: string; rank: number }> }>;
      for (const m of body.matches) {
        const shown = recent.find((r) => r.id === m.matchId);
        assert.ok(shown, `match ${m.matchId} is in GET /matches/recent`);
        assert.equal(shown.players.find((p) => p.name === "Ann")?.rank, m.rank);
      }
      assert.deepEqual((await get("/players/Ann/matches?limit=1")).body.matches.map((m: PlayerMatch) => m.matchId), [1]);
      // the name as the game keeps it: surrounding white space is not part of it
      assert.deepEqual((await get("/players/%20Ann%20/matches")).body, body);
      assert.deepEqual(await get("/players/Nobody/matches"), { status: 200, body: { matches: [] } });
    });

    it("refuses a name no player can have with 400 INVALID_NAME and a bad limit with INVALID_QUERY", async () => {
      for (const name of ["%20%20", "x".repeat(21), "Ann%07"]) {
        const { status, body } = await get(`/players/${name}/matches`);
        assert.equal(status, 400, name);
        assert.equal(body.error.code, "INVALID_NAME", name);
      }
      for (const query of ["limit=0", "limit=x", "limit=1&limit=2"]) {
        const { status, body } = await get(`/players/Ann/matches?${query}`);
        assert.equal(status, 400, query);
        assert.equal(body.error.code, "INVALID_QUERY", query);
      }
      assert.equal((await get("/players/Ann/matches")).body.matches.length, 4);
    });
  });
}

describe("the leaderboard of games played through the rooms with player tokens on", () => {
  const SECRET = "a-leaderboard-secret-of-at-least-32-characters";
  const token = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("1h").sign(new TextEncoder().encode(SECRET));

  for (const backend of backends()) {
    describe(`${backend.name} store`, () => {
      let server: TestServer;
      before(async function () {
        server = await backend.start(this, { authJwtSecret: SECRET, minTurnSeconds: 0.5 });
      });
      after(async () => {
        await server?.stop();
        await backend.release();
      });

      /** acct-ann (as `annName`) and acct-bob (as Bob) play a one-round game to its end. */
      async function play(annName: string) {
        const sdkAs = async (sub: string) => {
          const sdk = new PlayerSDK(server.ws);
          sdk.auth.token = await token(sub);
          return sdk;
        };
        const ann = observe(await (await sdkAs("acct-ann")).create("game", { name: annName, maxRounds: 1, turnSeconds: 0.5 }));
        const bob = observe(await (await sdkAs("acct-bob")).joinById(ann.room.roomId, { name: "Bob" }));
        await readyAndStart([ann, bob]);
        await playToTheEnd([ann, bob]);
        for (const o of [ann, bob]) await o.room.leave();
      }

      it("counts each identity as one player, shown by the name of its latest game", async () => {
        await play("Ann");
        await play("Annie");
        const board = await until(async () => {
          const res = await fetch(`${server.http}/leaderboard`);
          const body = (await res.json()) as { players: LeaderboardEntry[] };
          return body.players.length === 2 && body.players.every((p) => p.games === 2) ? body.players : null;
        }, "both games on the leaderboard", 10_000);
        assert.deepEqual(board.map((p) => p.name).sort(), ["Annie", "Bob"]);
        assert.equal(board[0].wins + board[1].wins, 2);
        const annie = (await (await fetch(`${server.http}/players/Annie/matches`)).json()) as { matches: PlayerMatch[] };
        assert.deepEqual(annie.matches.map((m) => [m.name, m.gamesSoFar]), [["Annie", 2], ["Ann", 1]]);
        assert.deepEqual(await (await fetch(`${server.http}/players/Ann/matches`)).json(), { matches: [] });
      });
    });
  }
});

/**
 * The real store with its leaderboard reads counted: every call runs the store's own query (SQL on
 * MySQL), after `hold()`'s gate is released when one is set.
 */
function countedStore(store: Store) {
  const matches = store.matches;
  const leaderboard = matches.leaderboard.bind(matches);
  const playerMatches = matches.playerMatches.bind(matches);
  const counts = { leaderboard: 0, playerMatches: 0 };
  let gate: Promise<void> = Promise.resolve();
  matches.leaderboard = async (period, limit) => {
    counts.leaderboard++;
    await gate;
    return leaderboard(period, limit);
  };
  matches.playerMatches = async (name, limit) => {
    counts.playerMatches++;
    await gate;
    return playerMatches(name, limit);
  };
  return {
    store,
    counts,
    /** Holds every query started from now until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = Promise.resolve();
        release();
      };
    },
  };
}

describe("the leaderboard cache (LeaderboardCache over the in-memory store)", () => {
  it("answers from one query per key until the ttl, drops every answer when a match is recorded through it, and keeps no answer whose query began before that", async () => {
    const counted = countedStore(new MemoryStore({ staleProcessSeconds: 30 }));
    let clock = 0;
    const cache = new LeaderboardCache(counted.store.matches, 5000, () => clock);
    const now = Date.now();
    const [first, ...rest] = namedFixture(now);
    await cache.record(first);
    const before = await cache.leaderboard("all", 10);
    assert.deepEqual(await cache.leaderboard("all", 10), before);
    assert.equal(counted.counts.leaderboard, 1);
    await cache.leaderboard("all", 9);
    assert.equal(counted.counts.leaderboard, 2, "another limit is another answer");
    clock = 5000;
    await cache.leaderboard("all", 10);
    assert.equal(counted.counts.leaderboard, 3, "an answer as old as the ttl is not used");

    // a query begun before a match is recorded answers its requests, but is not kept
    const release = counted.hold();
    const running = cache.leaderboard("day", 50);
    clock = 6000;
    const recorded = cache.record(rest[0]);
    release();
    await recorded;
    await running;
    const after = await cache.leaderboard("day", 50);
    assert.equal(counted.counts.leaderboard, 5);
    assert.deepEqual(after, await counted.store.matches.leaderboard("day", 50));
    assert.deepEqual(cache.stats, { queries: 5, cached: 1, shared: 0 });
  });
});

for (const kind of ["in-memory", "MySQL"] as const) {
  describe(`the leaderboard's answers kept in the server (${kind} store)`, () => {
    const db = suiteDatabase();
    let server: TestServer;
    let counted: ReturnType<typeof countedStore>;

    const get = async (path: string) => {
      const res = await fetch(`${server.http}${path}`);
      return { status: res.status, body: await res.json() };
    };

    before(async function () {
      if (kind === "MySQL") await db.setup(this);
    });
    afterEach(async () => {
      await server?.stop();
    });
    after(async () => {
      if (kind === "MySQL") await db.teardown();
    });

    async function start(leaderboardCacheSeconds: number) {
      server = await startServer(
        { mysqlUrl: kind === "MySQL" ? db.url() : null, leaderboardCacheSeconds, minTurnSeconds: 0.5 },
        {
          store: (settings) => {
            counted = countedStore(createStore(settings));
            return counted.store;
          },
        },
      );
      if (kind === "MySQL") await (counted.store as MySqlStore).pool.query("DELETE FROM matches");
    }

    it("shows a match finished in this server's room on the very next request, though its answers are kept for 60 s", async function () {
      this.timeout(60_000);
      await start(60);
      assert.deepEqual(await get("/leaderboard"), { status: 200, body: { players: [] } });
      assert.deepEqual(await get("/leaderboard"), { status: 200, body: { players: [] } });
      assert.deepEqual(await get("/players/Ann/matches"), { status: 200, body: { matches: [] } });
      assert.deepEqual(await get("/players/Ann/matches"), { status: 200, body: { matches: [] } });
      assert.deepEqual(counted.counts, { leaderboard: 1, playerMatches: 1 }, "the second request of each is answered from the cache");

      // a match another process recorded (straight into the store): not seen until the answer is 60 s old
      await counted.store.matches.record(namedFixture(Date.now())[0]);
      assert.deepEqual((await get("/leaderboard")).body, { players: [] });
      assert.equal(counted.counts.leaderboard, 1);

      // Ann and Bob play a one-round game to its end through the rooms of this server
      const sdk = new PlayerSDK(server.ws);
      const ann = observe(await sdk.create("game", { name: "Ann", maxRounds: 1, turnSeconds: 0.5 }));
      const bob = observe(await sdk.joinById(ann.room.roomId, { name: "Bob" }));
      await readyAndStart([ann, bob]);
      await playToTheEnd([ann, bob]);
      const code = ann.room.state.code;
      for (const o of [ann, bob]) await o.room.leave();
      await until(async () => (await get("/matches/recent?limit=5")).body.matches.some((m: { code: string }) => m.code === code), "the match recorded");

      // one request each, no waiting: both matches are there
      const board = (await get("/leaderboard")).body.players as LeaderboardEntry[];
      assert.equal(counted.counts.leaderboard, 2);
      assert.deepEqual(board.find((p) => p.name === "Ann")?.games, 2);
      assert.deepEqual(board.find((p) => p.name === "Bob")?.games, 2);
      assert.deepEqual(board.find((p) => p.name === "Cy")?.games, 1);
      assert.deepEqual(board, await counted.store.matches.leaderboard("all", 10));
      const ann2 = (await get("/players/Ann/matches")).body.matches as PlayerMatch[];
      assert.deepEqual(ann2.map((m) => m.gamesSoFar), [2, 1]);
      assert.equal(counted.counts.playerMatches, 2);
    });

    it("runs one query for concurrent requests of the same answer, even with LEADERBOARD_CACHE_SECONDS=0, and keeps none with 0", async () => {
      await start(0);
      await recordAll(counted.store, namedFixture(Date.now()));
      const release = counted.hold();
      const together = [get("/leaderboard?period=week"), get("/leaderboard?period=week"), get("/players/Ann/matches")];
      // the second request of the week has joined the first's query, which is still held
      await until(() => server.parts.leaderboard.stats.shared === 1 && counted.counts.playerMatches === 1, "both requests of the week in flight");
      assert.equal(counted.counts.leaderboard, 1);
      release();
      const [a, b, ann] = await Promise.all(together);
      assert.deepEqual(a, { status: 200, body: { players: NAMED_TABLES.week } });
      assert.deepEqual(b, a);
      assert.equal(ann.body.matches.length, 4);
      assert.deepEqual(counted.counts, { leaderboard: 1, playerMatches: 1 });
      // with 0 nothing is kept: the next request queries again
      assert.deepEqual(await get("/leaderboard?period=week"), a);
      assert.equal(counted.counts.leaderboard, 2);
      assert.deepEqual(server.parts.leaderboard.stats, { queries: 3, cached: 0, shared: 1 });
    });
  });
}
