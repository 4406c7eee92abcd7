/**
 * Finished-match records: the same contract for the in-memory and the MySQL store (which ranks
 * players with a window function in SQL), checked against the rules' own ranking; and GET /matches/recent.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import express from "express";
import mysql from "mysql2/promise";
import { matchesRouter } from "../src/http/matches.ts";
import { newGame, netWorth, ranking } from "../src/game/index.ts";
import { MemoryStore } from "../src/store/memory/index.ts";
import { MemoryMatches } from "../src/store/memory/matches.ts";
import { MySqlStore } from "../src/store/mysql/index.ts";
import type { MatchRecord, MatchSummary, Store } from "../src/store/types.ts";
import { matchStoreBackends } from "./helpers/matchStores.ts";
import { createTestDatabase, requireMysql, suiteDatabase, type TestDatabase } from "./helpers/mysql.ts";

const READING_RAILROAD = 5; // price 200
const MEDITERRANEAN_AVENUE = 1; // price 60

interface Finisher {
  name: string;
  seat: number;
  money: number;
  tiles?: number[];
}

/**
 * A match record as a room would report it: the players (in turn order) are placed into a real game
 * state, and net worth and rank come from the rules (`netWorth`, `ranking`), not from this file.
 */
function finishedMatch(options: {
  code: string;
  seed: number;
  startedAt: string;
  endedAt: string;
  rounds: number;
  endReason: "last_player_standing" | "round_limit";
  players: Finisher[];
  /** Names, first to go bankrupt first. */
  bankruptInOrder?: string[];
}): MatchRecord {
  const fallen = options.bankruptInOrder ?? [];
  const state = newGame(
    options.players.map((p) => ({ id: p.name, name: p.name, seat: p.seat })),
    { seed: options.seed },
  );
  for (const player of state.players) {
    const finisher = options.players.find((p) => p.name === player.id)!;
    player.money = finisher.money;
    player.bankrupt = fallen.includes(player.id);
    for (const tile of finisher.tiles ?? []) state.owners[tile] = player.id;
  }
  state.bankruptOrder = [...fallen];
  const order = ranking(state);
  return {
    key: `room-${options.code}#${options.seed}`,
    roomId: `room-${options.code}`,
    code: options.code,
    seed: options.seed,
    startedAt: new Date(options.startedAt),
    endedAt: new Date(options.endedAt),
    rounds: options.rounds,
    endReason: options.endReason,
    winnerName: order[0],
    players: state.players.map((p) => ({
      name: p.name,
      seat: p.seat,
      finalMoney: p.money,
      netWorth: netWorth(state, p.id),
      bankrupt: p.bankrupt,
      bankruptOrder: fallen.includes(p.id) ? fallen.indexOf(p.id) + 1 : null,
      rank: order.indexOf(p.id) + 1,
    })),
  };
}

/**
 * Nobody bankrupt. Ann has less money than Bob but more net worth; Ann and Cy tie on net worth and
 * Bob and Di tie on net worth, and in both ties the lower seat plays later in turn order.
 */
const noBankruptcies = finishedMatch({
  code: "482913",
  seed: 4_294_967_295,
  startedAt: "2025-03-01T12:00:00.007Z",
  endedAt: "2025-03-01T12:30:00.123Z",
  rounds: 40,
  endReason: "round_limit",
  players: [
    { name: "Cy", seat: 3, money: 1100 },
    { name: "Di", seat: 1, money: 1000 },
    { name: "Ann", seat: 2, money: 900, tiles: [READING_RAILROAD] },
    { name: "Bob", seat: 0, money: 1000 },
  ],
});

/**
 * Three of five bankrupt, in an order that neither seat nor money reproduces; the first to fall
 * kept the most money of anyone.
 */
const threeBankrupt = finishedMatch({
  code: "000017",
  seed: 0,
  startedAt: "2025-03-01T10:00:00.000Z",
  endedAt: "2025-03-01T11:00:00.001Z",
  rounds: 40,
  endReason: "round_limit",
  players: [
    { name: "Eve", seat: 0, money: 300 },
    { name: "Finn", seat: 1, money: 10 },
    { name: "Gus", seat: 2, money: 800 },
    { name: "Hal", seat: 3, money: 0 },
    { name: "Ivy", seat: 4, money: 2000 },
  ],
  bankruptInOrder: ["Ivy", "Finn", "Hal"],
});

/** Ends at the same millisecond as `noBankruptcies`; recorded later, so it counts as newer. */
const lastStanding = finishedMatch({
  code: "771204",
  seed: 123_456_789,
  startedAt: "2025-03-01T12:10:00.500Z",
  endedAt: "2025-03-01T12:30:00.123Z",
  rounds: 17,
  endReason: "last_player_standing",
  players: [
    { name: "Kim", seat: 0, money: 0 },
    { name: "Jo", seat: 1, money: 2400, tiles: [MEDITERRANEAN_AVENUE, READING_RAILROAD] },
    { name: "Lu", seat: 2, money: 0 },
  ],
  bankruptInOrder: ["Lu", "Kim"],
});

/** Two players in the same seat: the player rows break the primary key after the match row went in. */
const duplicateSeat: MatchRecord = {
  ...noBankruptcies,
  key: "room-999999#1",
  code: "999999",
  players: noBankruptcies.players.map((p) => (p.name === "Di" ? { ...p, seat: 0 } : p)),
};

const namesByRank = (summary: MatchSummary) => summary.players.map((p) => p.name);

for (const backend of matchStoreBackends({ connectionLimit: 1 })) {
  describe(`match store contract: ${backend.name}`, () => {
    let store: Store;

    before(async function () {
      await backend.setup(this);
    });
    after(() => backend.teardown());
    beforeEach(async () => {
      store = await backend.create();
    });
    afterEach(() => store.close());

    it("gives back a recorded match with its players ranked and its dates as UTC ISO strings", async () => {
      const id = await store.matches.record(noBankruptcies);
      assert.equal(id, 1);
      assert.deepEqual(await store.matches.recent(10), [
        {
          id: 1,
          code: "482913",
          seed: 4_294_967_295,
          startedAt: "2025-03-01T12:00:00.007Z",
          endedAt: "2025-03-01T12:30:00.123Z",
          rounds: 40,
          endReason: "round_limit",
          winner: "Ann",
          players: [
            { rank: 1, name: "Ann", seat: 2, finalMoney: 900, netWorth: 1100, bankrupt: false, identity: null },
            { rank: 2, name: "Cy", seat: 3, finalMoney: 1100, netWorth: 1100, bankrupt: false, identity: null },
            { rank: 3, name: "Bob", seat: 0, finalMoney: 1000, netWorth: 1000, bankrupt: false, identity: null },
            { rank: 4, name: "Di", seat: 1, finalMoney: 1000, netWorth: 1000, bankrupt: false, identity: null },
          ],
        },
      ]);
    });

    it("keeps each player's token identity, and null for a player without one", async () => {
      const withIdentities = { ...noBankruptcies, players: noBankruptcies.players.map((p) => (p.name === "Di" ? p : { ...p, identity: `account:${p.name}` })) };
      await store.matches.record(withIdentities);
      const [summary] = await store.matches.recent(1);
      assert.deepEqual(
        summary.players.map((p) => [p.name, p.identity]),
        [["Ann", "account:Ann"], ["Cy", "account:Cy"], ["Bob", "account:Bob"], ["Di", null]],
      );
    });

    it("ranks every player exactly as the rules ranked them", async () => {
      for (const match of [noBankruptcies, threeBankrupt, lastStanding]) await store.matches.record(match);
      const byCode = new Map((await store.matches.recent(10)).map((m) => [m.code, m]));
      for (const match of [noBankruptcies, threeBankrupt, lastStanding]) {
        const expected = [...match.players].sort((a, b) => a.rank - b.rank).map((p) => ({ rank: p.rank, name: p.name }));
        const shown = byCode.get(match.code)!.players.map((p) => ({ rank: p.rank, name: p.name }));
        assert.deepEqual(shown, expected, match.code);
        assert.equal(byCode.get(match.code)!.winner, expected[0].name);
      }
      assert.deepEqual(namesByRank(byCode.get("000017")!), ["Gus", "Eve", "Hal", "Finn", "Ivy"]);
      assert.deepEqual(namesByRank(byCode.get("771204")!), ["Jo", "Kim", "Lu"]);
    });

    it("ranks players from their results, not from the rank reported with them", async () => {
      const misreported = { ...threeBankrupt, players: threeBankrupt.players.map((p) => ({ ...p, rank: 6 - p.rank })) };
      await store.matches.record(misreported);
      const [summary] = await store.matches.recent(1);
      assert.deepEqual(namesByRank(summary), ["Gus", "Eve", "Hal", "Finn", "Ivy"]);
      assert.deepEqual(summary.players.map((p) => p.rank), [1, 2, 3, 4, 5]);
    });

    it("lists the latest matches first, the later recorded first when two ended at the same moment", async () => {
      assert.equal(await store.matches.record(noBankruptcies), 1);
      assert.equal(await store.matches.record(threeBankrupt), 2);
      assert.equal(await store.matches.record(lastStanding), 3);
      const recent = await store.matches.recent(10);
      assert.deepEqual(recent.map((m) => m.id), [3, 1, 2]);
      assert.deepEqual(recent.map((m) => m.code), ["771204", "482913", "000017"]);
    });

    it("returns at most `limit` matches, the newest ones", async () => {
      for (const match of [noBankruptcies, threeBankrupt, lastStanding]) await store.matches.record(match);
      assert.deepEqual((await store.matches.recent(2)).map((m) => m.code), ["771204", "482913"]);
      assert.deepEqual((await store.matches.recent(1)).map((m) => m.code), ["771204"]);
      assert.deepEqual(await store.matches.recent(0), []);
    });

    it("answers an empty list before any match was recorded", async () => {
      assert.deepEqual(await store.matches.recent(10), []);
    });

    it("writes nothing of a match whose player rows are refused, and keeps working afterwards", async () => {
      await store.matches.record(threeBankrupt);
      const before = await store.matches.recent(10);
      await assert.rejects(store.matches.record(duplicateSeat));
      assert.deepEqual(await store.matches.recent(10), before);
      const id = await store.matches.record(lastStanding);
      assert.ok(id > 1, `id ${id} follows the first match's`);
      assert.deepEqual((await store.matches.recent(10)).map((m) => m.code), ["771204", "000017"]);
    });

    it("refuses a bankrupt player without a bankruptcy order", async () => {
      const broken: MatchRecord = {
        ...threeBankrupt,
        players: threeBankrupt.players.map((p) => (p.name === "Hal" ? { ...p, bankruptOrder: null } : p)),
      };
      await assert.rejects(store.matches.record(broken));
      assert.deepEqual(await store.matches.recent(10), []);
    });

    it("records a match once per key: recording it again stores nothing and answers the first id", async () => {
      const id = await store.matches.record(noBankruptcies);
      assert.equal(await store.matches.record({ ...noBankruptcies }), id);
      assert.equal(await store.matches.record({ ...noBankruptcies, winnerName: "Bob", rounds: 41 }), id, "the first record stands");
      const recent = await store.matches.recent(10);
      assert.equal(recent.length, 1);
      assert.equal(recent[0].winner, "Ann");
      assert.ok((await store.matches.record(threeBankrupt)) > id);
    });

    it("stores one match when the same key is recorded five times at once, and answers its id to all", async () => {
      const ids = await Promise.all(Array.from({ length: 5 }, () => store.matches.record(lastStanding)));
      assert.equal(new Set(ids).size, 1);
      assert.deepEqual((await store.matches.recent(10)).map((m) => m.id), [ids[0]]);
    });

    it("refuses a seed that is not an unsigned 32-bit integer", async () => {
      await assert.rejects(store.matches.record({ ...noBankruptcies, seed: 2 ** 32 }));
      await assert.rejects(store.matches.record({ ...noBankruptcies, seed: -1 }));
      assert.deepEqual(await store.matches.recent(10), []);
    });
  });
}

describe("match stores: in-memory and MySQL", () => {
  let database: TestDatabase;

  before(async function () {
    await requireMysql(this);
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  it("give deep-equal answers for the same records", async () => {
    const inMemory = new MemoryStore({ staleProcessSeconds: 30 });
    const inMysql = new MySqlStore({ url: database.url, staleProcessSeconds: 30 });
    await inMysql.init();
    try {
      for (const store of [inMemory, inMysql]) {
        for (const match of [threeBankrupt, noBankruptcies, lastStanding]) await store.matches.record(match);
        await assert.rejects(store.matches.record(duplicateSeat));
      }
      for (const limit of [0, 1, 2, 50]) {
        assert.deepEqual(await inMysql.matches.recent(limit), await inMemory.matches.recent(limit), `limit ${limit}`);
      }
    } finally {
      await inMysql.close();
    }
  });
});

describe("match keys for matches recorded before keys existed", () => {
  const db = suiteDatabase();
  before(async function () {
    await db.setup(this);
  });
  after(() => db.teardown());

  it("are made of the room and the id, so that those matches stay and the key is unique", async () => {
    // the schema as migrations 001 and 002 left it, with two matches of one room
    const conn = await mysql.createConnection({ uri: db.url() });
    try {
      await conn.query("CREATE TABLE schema_migrations (name VARCHAR(191) NOT NULL PRIMARY KEY, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))");
      for (const file of ["001_room_codes.sql", "002_matches.sql"]) {
        const sql = await readFile(new URL(`../src/store/migrations/${file}`, import.meta.url), "utf8");
        for (const statement of sql.split("\n").filter((l) => !l.trim().startsWith("--")).join("\n").split(";")) {
          if (statement.trim()) await conn.query(statement);
        }
        await conn.query("INSERT INTO schema_migrations (name) VALUES (?)", [file]);
      }
      await conn.query(
        `INSERT INTO matches (room_id, code, seed, started_at, ended_at, rounds, end_reason, winner_name)
         VALUES ('old-room', '123456', 1, NOW(3), NOW(3), 3, 'round_limit', 'Ann'), ('old-room', '123456', 2, NOW(3), NOW(3), 4, 'round_limit', 'Bob')`,
      );
      const store = new MySqlStore({ url: db.url(), staleProcessSeconds: 30 });
      try {
        await store.init();
        const [rows] = (await conn.query("SELECT id, match_key FROM matches ORDER BY id")) as any;
        assert.deepEqual(rows.map((r: any) => r.match_key), [`old-room#${rows[0].id}`, `old-room#${rows[1].id}`]);
        assert.equal(await store.matches.record({ ...noBankruptcies, key: `old-room#${rows[1].id}` }), Number(rows[1].id));
        assert.equal((await store.matches.recent(10)).length, 2);
      } finally {
        await store.close();
      }
    } finally {
      await conn.end();
    }
  });
});

describe("GET /matches/recent", () => {
  const store = new MemoryStore({ staleProcessSeconds: 30 });
  let server: ReturnType<express.Express["listen"]>;
  let base: string;

  before(async () => {
    for (let i = 0; i < 12; i++) {
      const endedAt = new Date(Date.UTC(2025, 2, 1, 13, i));
      await store.matches.record({ ...noBankruptcies, key: `room-${100000 + i}`, code: String(100000 + i), endedAt });
    }
    const app = express();
    app.use(matchesRouter(store));
    server = app.listen(0);
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))));

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: await res.json() };
  };

  it("answers the 10 latest matches when no limit is given", async () => {
    const { status, body } = await get("/matches/recent");
    assert.equal(status, 200);
    // the players' identities stay in the store
    const stored = await store.matches.recent(10);
    assert.deepEqual(body, { matches: stored.map((m) => ({ ...m, players: m.players.map(({ identity: _identity, ...p }) => p) })) });
    assert.deepEqual(body.matches.map((m: { id: number }) => m.id), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
  });

  it("answers as many matches as the limit asks for", async () => {
    const two = await get("/matches/recent?limit=2");
    assert.equal(two.status, 200);
    assert.deepEqual(two.body.matches.map((m: MatchSummary) => m.id), [12, 11]);
    assert.deepEqual(two.body.matches[0].players.map((p: { name: string }) => p.name), ["Ann", "Cy", "Bob", "Di"]);
    const all = await get("/matches/recent?limit=50");
    assert.equal(all.body.matches.length, 12);
  });

  it("answers 400 INVALID_QUERY for a limit that is not a whole number from 1 to 50", async () => {
    for (const limit of ["0", "abc", "51", "-1", "2.5", "1e1", "", "10&limit=20"]) {
      const { status, body } = await get(`/matches/recent?limit=${limit}`);
      assert.equal(status, 400, `limit=${limit}`);
      assert.equal(body.error.code, "INVALID_QUERY", `limit=${limit}`);
      assert.equal(typeof body.error.message, "string");
    }
  });
});

describe("the in-memory match store", () => {
  it("keeps only the latest matches it is sized for, dropping the oldest", async () => {
    const matches = new MemoryMatches(3);
    for (let i = 0; i < 5; i++) {
      await matches.record(
        finishedMatch({
          code: `00000${i}`,
          seed: i,
          startedAt: `2026-01-0${i + 1}T10:00:00.000Z`,
          endedAt: `2026-01-0${i + 1}T11:00:00.000Z`,
          rounds: 3,
          endReason: "round_limit",
          players: [
            { name: "Ann", seat: 0, money: 1500 },
            { name: "Bob", seat: 1, money: 1400 },
          ],
        }),
      );
    }
    const recent = await matches.recent(10);
    assert.deepEqual(recent.map((m) => m.code), ["000004", "000003", "000002"]);
  });
});
