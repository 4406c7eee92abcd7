/**
 * Verified replays (issue 12): a finished match's actions with the state hash after each, made from
 * its room's log and reproduced by the rules alone; GET /matches/:id/replay; `npm run replay`.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import mysql from "mysql2/promise";
import * as rules from "../src/game/index.ts";
import { canonicalJson, stateHash } from "../src/match/hash.ts";
import type { LogEntry } from "../src/match/log.ts";
import { nextSeat, openMatch, propose, type Match } from "../src/match/match.ts";
import { matchRecord } from "../src/match/record.ts";
import { checkReplay, type Replay, ReplayError, replayOfLog } from "../src/match/replay.ts";
import { backends } from "./helpers/backends.ts";
import { ask, type Observed, observe, playToTheEnd, readyAndStart } from "./helpers/players.ts";
import { serverSuite } from "./helpers/suite.ts";
import { getJson, until } from "./helpers/wait.ts";
import { parsePrometheusText, sampleValue } from "./helpers/prometheus.ts";
import { startServer, type TestServer } from "./helpers/server.ts";
import { prng } from "./helpers/prng.ts";

const TIMING = { awayTurnSeconds: 3 };

/** A room in miniature: proposes entries as the room does, keeps the log it would write and the hash after every seq it saw. */
class LiveRoom {
  match: Match;
  readonly log: LogEntry[] = [];
  /** seq -> stateHash of the live game right after the entry that produced that seq (the last seq of an auto entry). */
  readonly hashes = new Map<number, string>();
  clock = 1_700_000_000_000;

  constructor(maxRounds: number) {
    const open: LogEntry = { t: "open", at: this.clock, code: "123456", options: { private: false, maxPlayers: 5, maxRounds, turnSeconds: 30 } };
    this.log.push(open);
    this.match = openMatch(open);
  }

  offer(draft: LogEntry): string | null {
    this.clock += 1000;
    const { entry, result } = propose(this.match, { ...draft, at: this.clock }, TIMING);
    if (!result.ok) return result.error.code;
    this.log.push(entry);
    const before = this.match;
    this.match = result.match;
    if (before.phase === "playing" && this.match.seq > before.seq) this.hashes.set(this.match.seq, stateHash(this.match.game!));
    return null;
  }

  seat(id: string) {
    assert.equal(this.offer({ t: "seat", at: 0, id, name: `Player ${id}`, seat: nextSeat(this.match)!, tokenHash: `hash-${id}` }), null);
  }
}

/** Plays the running game of `live` with random legal and refused moves, timeouts, leaves, returns and chat. */
function playOn(live: LiveRoom, random: () => number, ids: string[]) {
  const actions = ["roll", "buy", "pass", "end_turn", "pay_bail"] as const;
  for (let i = 0; i < 5000 && live.match.phase === "playing"; i++) {
    const current = rules.currentPlayerId(live.match.game!)!;
    const someone = ids[Math.floor(random() * ids.length)];
    const roll = random();
    if (roll < 0.05) live.offer({ t: "auto", at: 0, id: current, deadline: 0 });
    else if (roll < 0.06) live.offer({ t: "gone", at: 0, id: someone, deadline: 0 });
    else if (roll < 0.07) live.offer({ t: "back", at: 0, id: someone, deadline: 0 });
    else if (roll < 0.073) live.offer({ t: "leave", at: 0, id: someone });
    else if (roll < 0.09) live.offer({ t: "chat", at: 0, id: someone, text: `hello ${i}` });
    else live.offer({ t: "act", at: 0, id: random() < 0.9 ? current : someone, action: actions[Math.floor(random() * actions.length)], deadline: 0 });
  }
}

/** A game with 2-5 players, random legal and refused moves, timeouts, leaves, returns and chat. */
function playRandomGame(seed: number): LiveRoom {
  const random = prng(seed);
  const live = new LiveRoom(3 + Math.floor(random() * 25));
  const ids = Array.from({ length: 2 + Math.floor(random() * 4) }, (_, i) => `p${i}`);
  for (const id of ids) live.seat(id);
  for (const id of ids) live.offer({ t: "ready", at: 0, id, ready: true });
  assert.equal(live.offer({ t: "start", at: 0, id: live.match.hostId, seed: Math.floor(random() * 2 ** 32), deadline: 0 }), null);
  playOn(live, random, ids);
  // a line after the end: the room's, not the game's
  live.offer({ t: "chat", at: 0, id: ids[0], text: "gg" });
  return live;
}

describe("verified replays: the hash and the replay of a log", () => {
  it("reproduce, for 200 seeded games, every hash recorded while playing, with the rules alone", () => {
    let finished = 0;
    let actionsChecked = 0;
    let autoActions = 0;
    let forfeits = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const live = playRandomGame(seed);
      const { replay, final } = replayOfLog(structuredClone(live.log));
      const startSeq = replay.actions.length > 0 ? replay.actions[0].seq - 1 : live.match.seq;
      // one action per seq, from the start to the end of the game
      assert.deepEqual(
        replay.actions.map((a) => a.seq),
        Array.from({ length: live.match.seq - startSeq }, (_, i) => startSeq + 1 + i),
        `seed ${seed}`,
      );
      for (const [seq, hash] of live.hashes) {
        assert.equal(replay.actions.find((a) => a.seq === seq)?.hash, hash, `seed ${seed}, seq ${seq}`);
      }
      assert.equal(stateHash(final), stateHash(live.match.game!), `seed ${seed}`);
      // sent as JSON, as the route sends it, and checked by the rules alone
      assert.deepEqual(checkReplay(JSON.parse(JSON.stringify(replay)) as Replay), [], `seed ${seed}`);
      assert.equal(replay.setup.seed, live.match.game!.seed);
      if (live.match.phase === "finished") finished++;
      actionsChecked += replay.actions.length;
      autoActions += replay.actions.filter((a) => a.auto).length;
      forfeits += replay.actions.filter((a) => a.type === "forfeit").length;
    }
    assert.ok(finished > 150, `most games run to the end (${finished} of 200 did)`);
    assert.ok(autoActions > 100 && forfeits > 10, `server-played moves (${autoActions}) and forfeits (${forfeits}) are among the ${actionsChecked} actions`);
  });

  it("finds an action whose type or player was changed, and every hash after it that it changed", () => {
    const live = playRandomGame(11);
    const { replay } = replayOfLog(live.log);
    const buy = replay.actions.findIndex((a) => a.type === "buy");
    assert.ok(buy > 0, "the game has a purchase");
    const passed = structuredClone(replay);
    passed.actions[buy].type = "pass";
    const mismatches = checkReplay(passed);
    assert.equal(mismatches[0].index, buy);
    assert.match(mismatches[0].problem, /pass by .* gives hash/);
    // the tile stays unowned: the states differ from there on
    assert.ok(mismatches.length > 1);

    const stranger = structuredClone(replay);
    stranger.actions[3].player = "nobody";
    assert.match(checkReplay(stranger)[0].problem, /refused: UNKNOWN_PLAYER/);
    const reseeded = structuredClone(replay);
    reseeded.setup.seed += 1;
    assert.ok(checkReplay(reseeded).length > 0);
  });

  it("sets the game up from the seats that the entries before its start left, and numbers its actions with the room's seq", () => {
    const live = new LiveRoom(5);
    for (const id of ["a", "b", "c"]) live.seat(id);
    live.offer({ t: "leave", at: 0, id: "a" });
    for (const id of ["b", "c"]) live.offer({ t: "ready", at: 0, id, ready: true });
    live.offer({ t: "start", at: 0, id: "b", seed: 42, deadline: 0 });
    live.offer({ t: "act", at: 0, id: "b", action: "roll", deadline: 0 });
    const { replay } = replayOfLog(live.log);
    assert.deepEqual(replay.setup, {
      players: [
        { id: "b", name: "Player b", seat: 1 },
        { id: "c", name: "Player c", seat: 2 },
      ],
      options: { private: false, maxPlayers: 5, maxRounds: 5, turnSeconds: 30 },
      seed: 42,
    });
    // ready entries bumped the seq before the start: the first action's seq is the room's
    assert.deepEqual(
      replay.actions.map(({ seq, player, type }) => ({ seq, player, type })),
      [{ seq: 4, player: "b", type: "roll" }],
    );
  });

  it("refuses a log without a game, and a log whose entry the rules refuse", () => {
    const lobby = new LiveRoom(5);
    lobby.seat("a");
    assert.throws(() => replayOfLog(lobby.log), ReplayError);
    const live = playRandomGame(3);
    const tampered = structuredClone(live.log);
    const act = tampered.findIndex((e) => e.t === "act" && e.action === "end_turn");
    tampered[act] = { ...(tampered[act] as Extract<LogEntry, { t: "act" }>), action: "buy" };
    assert.throws(() => replayOfLog(tampered), /is refused by the rules: WRONG_STAGE/);
  });

  it("records the finished match with its last log position and the hash of its final state", () => {
    const live = playRandomGame(5);
    assert.equal(live.match.phase, "finished");
    const record = matchRecord("room1", live.match);
    assert.equal(record.logLastN, live.log.length);
    assert.equal(record.finalHash, stateHash(replayOfLog(live.log).final));
  });

  it("replays each match of a room that played again alone: the first up to its record's last entry, the second from its own start", () => {
    let checked = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const live = playRandomGame(seed);
      if (live.match.phase !== "finished") continue;
      const first = matchRecord("room1", live.match);
      const firstHashes = new Map(live.hashes);
      const host = live.match.hostId;
      const kept = live.match.players.filter((p) => !p.left).map((p) => p.id);
      if (kept.length < 2 || !kept.includes(host)) continue;
      assert.equal(live.offer({ t: "rematch", at: 0, id: host, keep: kept }), null);
      live.hashes.clear();
      for (const id of kept) live.offer({ t: "ready", at: 0, id, ready: true });
      assert.equal(live.offer({ t: "start", at: 0, id: host, seed: seed * 7919, deadline: 0 }), null);
      playOn(live, prng(seed + 1000), kept);
      const second = matchRecord("room1", live.match);
      assert.notEqual(first.key, second.key);

      const one = replayOfLog(live.log.slice(0, first.logLastN)).replay;
      const two = replayOfLog(live.log.slice(0, second.logLastN)).replay;
      assert.equal(one.setup.seed, first.seed);
      assert.equal(two.setup.seed, seed * 7919);
      assert.deepEqual(two.setup.players.map((p) => p.id).sort(), [...kept].sort());
      assert.ok(one.actions.at(-1)!.seq < two.actions[0].seq);
      assert.equal(one.actions.at(-1)!.hash, first.finalHash);
      assert.equal(two.actions.at(-1)?.hash ?? stateHash(live.match.game!), second.finalHash);
      for (const [seq, hash] of firstHashes) assert.equal(one.actions.find((a) => a.seq === seq)?.hash, hash);
      for (const [seq, hash] of live.hashes) assert.equal(two.actions.find((a) => a.seq === seq)?.hash, hash);
      assert.deepEqual(checkReplay(one), []);
      assert.deepEqual(checkReplay(two), []);
      checked++;
    }
    assert.ok(checked >= 10, `${checked} rooms played twice`);
  });

  it("hashes canonical JSON: key order does not matter, values do", () => {
    assert.equal(canonicalJson({ b: [1, { d: null, c: "x" }], a: true }), '{"a":true,"b":[1,{"c":"x","d":null}]}');
    const game = rules.newGame(
      [
        { id: "a", name: "A", seat: 0 },
        { id: "b", name: "B", seat: 1 },
      ],
      { seed: 7 },
    );
    const reordered = Object.fromEntries(Object.entries(game).reverse()) as unknown as rules.GameState;
    assert.equal(stateHash(reordered), stateHash(game));
    assert.match(stateHash(game), /^[0-9a-f]{16}$/);
    assert.notEqual(stateHash({ ...game, rng: game.rng + 1 }), stateHash(game));
  });
});

/** `npm run replay -- <args>` against a database: its exit code and output. */
function runReplayCli(args: string[], mysqlUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "replay", "--", ...args], { env: { ...process.env, MYSQL_URL: mysqlUrl, NODE_ENV: "test" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

for (const backend of backends()) {
  describe(`GET /matches/:id/replay (${backend.name} store)`, () => {
    const suite = serverSuite(backend, { minTurnSeconds: 0.05, maxMessagesPerSecond: 5000 });

    /** Three SDK clients play a game to the end; answers the match's id (GET /matches/recent) and what the first client saw. */
    async function playedMatch(): Promise<{ id: number; seen: Observed; finalSeq: number }> {
      const host = await suite.sdk.create("game", { name: "Ann", maxRounds: 4 });
      suite.open.push(host);
      const rooms = [host];
      for (const name of ["Bob", "Cy"]) {
        const room = await suite.sdk.joinById(host.roomId, { name });
        suite.open.push(room);
        rooms.push(room);
      }
      const players = rooms.map(observe);
      await until(() => rooms.every((r) => r.state.players?.size === 3), "everyone seated");
      await readyAndStart(players);
      // a chat line in the game: the room's, not an action
      await ask(players[1], "chat", { text: "good luck" });
      await playToTheEnd(players);
      const code = host.state.code;
      const match = await until(async () => {
        const { body } = await getJson(`${suite.server.http}/matches/recent?limit=5`);
        return body.matches?.find((m: { code: string }) => m.code === code);
      }, "the match recorded");
      return { id: match.id, seen: players[0], finalSeq: host.state.seq };
    }

    it("answers the setup and every action of a game played to the end, whose hashes the rules reproduce", async function () {
      this.timeout(90_000);
      const { id, seen, finalSeq } = await playedMatch();
      const { status, body } = await getJson(`${suite.server.http}/matches/${id}/replay`);
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(Object.keys(body).sort(), ["actions", "setup"]);
      assert.deepEqual(body.setup.players.map((p: { name: string }) => p.name).sort(), ["Ann", "Bob", "Cy"]);
      assert.equal(body.setup.options.maxRounds, 4);
      assert.ok(body.actions.length >= 12, `${body.actions.length} actions`);
      assert.deepEqual(checkReplay(body), []);
      // the actions are those the clients saw: consecutive seqs up to the last, each event's seq among them
      const seqs: number[] = body.actions.map((a: { seq: number }) => a.seq);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i));
      assert.equal(seqs.at(-1), finalSeq);
      const played = new Set(seqs);
      for (const e of seen.events.filter((e) => e.seq >= seqs[0])) assert.ok(played.has(e.seq), `${e.type} at seq ${e.seq}`);
      assert.equal(body.actions.filter((a: { type: string }) => a.type === "roll").length, seen.events.filter((e) => e.type === "dice_rolled").length);
      // and its last hash is the final state the room recorded
      const link = await suite.server.parts.store.matches.logLink(id);
      assert.equal(body.actions.at(-1).hash, link?.finalHash);
    });

    it("answers 400 INVALID_ID for an id that is not a whole number from 1, and 404 NOT_FOUND for an unknown match", async () => {
      for (const bad of ["abc", "0", "-1", "1.5", "01", "1e3", "99999999999999999"]) {
        const { status, body } = await getJson(`${suite.server.http}/matches/${bad}/replay`);
        assert.equal(status, 400, bad);
        assert.equal(body.error.code, "INVALID_ID", bad);
        assert.equal(typeof body.error.message, "string");
      }
      const { status, body } = await getJson(`${suite.server.http}/matches/987654/replay`);
      assert.equal(status, 404);
      assert.deepEqual(body, { error: { code: "NOT_FOUND", message: "There is no match 987654." } });
    });

    it("answers 404 NOT_FOUND for a recorded match whose room log the store does not have", async () => {
      const at = new Date();
      const id = await suite.server.parts.store.matches.record({
        key: `no-log-${at.getTime()}`,
        roomId: "room-without-a-log",
        code: "123456",
        seed: 1,
        startedAt: at,
        endedAt: at,
        rounds: 1,
        endReason: "round_limit",
        winnerName: "",
        players: [],
      });
      const { status, body } = await getJson(`${suite.server.http}/matches/${id}/replay`);
      assert.equal(status, 404);
      assert.deepEqual(body, { error: { code: "NOT_FOUND", message: `Match ${id} has no stored log to replay.` } });
    });

    it("answers 500 REPLAY_UNVERIFIABLE for a stored log the rules refuse, logs it once, and keeps serving", async () => {
      // a finished game's log with a purchase where its player had a turn to end: written into the store as a room writes it
      const live = playRandomGame(3);
      assert.equal(live.match.phase, "finished");
      const tampered = structuredClone(live.log);
      const at = tampered.findIndex((e) => e.t === "act" && e.action === "end_turn");
      tampered[at] = { ...(tampered[at] as Extract<LogEntry, { t: "act" }>), action: "buy" };
      const { store } = suite.server.parts;
      const roomId = `tampered-${backend.name}-${Date.now()}`;
      await store.logs.append(roomId, tampered.map((entry, i) => ({ n: i + 1, entry })));
      await store.logs.close(roomId);
      const id = await store.matches.record({ ...matchRecord(roomId, live.match), key: `${roomId}#1` });

      const expected = {
        error: {
          code: "REPLAY_UNVERIFIABLE",
          message: `Match ${id}'s stored log cannot be replayed by the rules (log entry ${at + 1} (act) is refused by the rules: WRONG_STAGE).`,
        },
      };
      for (let i = 0; i < 2; i++) {
        const { status, body, headers } = await getJson(`${suite.server.http}/matches/${id}/replay`);
        assert.equal(status, 500);
        assert.match(headers.get("content-type") ?? "", /^application\/json/);
        assert.deepEqual(body, expected);
      }
      // one line for the operator, with the room, however often it is asked for; no "failed with INTERNAL" line of the error handler
      assert.deepEqual(
        suite.server.logs.filter((line) => line.includes(`match ${id} `) || line.includes(`/matches/${id}/`)),
        [`replay: match ${id} (room ${roomId}) cannot be replayed: log entry ${at + 1} (act) is refused by the rules: WRONG_STAGE`],
      );
      assert.equal((await getJson(`${suite.server.http}/matches/recent?limit=1`)).status, 200);
    });

    it("answers 500 REPLAY_UNVERIFIABLE for a stored log that replays into another game than the room recorded when it ended", async () => {
      // the log replays, but its final state is not the one recorded: as after a change the rules accept (a purchase made a pass)
      const live = playRandomGame(4);
      assert.equal(live.match.phase, "finished");
      const { store } = suite.server.parts;
      const roomId = `changed-${backend.name}-${Date.now()}`;
      await store.logs.append(roomId, live.log.map((entry, i) => ({ n: i + 1, entry })));
      await store.logs.close(roomId);
      const recorded = matchRecord(roomId, live.match);
      const id = await store.matches.record({ ...recorded, key: `${roomId}#1`, finalHash: "0123456789abcdef" });
      const { status, body } = await getJson(`${suite.server.http}/matches/${id}/replay`);
      assert.equal(status, 500);
      assert.equal(body.error.code, "REPLAY_UNVERIFIABLE");
      assert.match(body.error.message, new RegExp(`^Match ${id}'s stored log cannot be replayed by the rules \\(the replay ends at state ${recorded.finalHash}, the room recorded 0123456789abcdef when the game ended\\)\\.$`));

      // the same log with its true final hash is served
      const fine = await store.matches.record({ ...recorded, key: `${roomId}#2` });
      const served = await getJson(`${suite.server.http}/matches/${fine}/replay`);
      assert.equal(served.status, 200, JSON.stringify(served.body));
    });

    if (backend.name === "mysql") {
      it("is checked by npm run replay: exit 0 with one summary line, and non-zero once a stored action is changed", async function () {
        this.timeout(120_000);
        const { id } = await playedMatch();
        const url = backend.mysqlUrl()!;
        const good = await runReplayCli([String(id)], url);
        assert.equal(good.code, 0, good.stdout + good.stderr);
        assert.match(good.stdout.trim(), new RegExp(`^match ${id}: \\d+ actions, seq \\d+ to \\d+, every hash reproduced by the rules; final state [0-9a-f]{16}, as recorded$`));

        const served = await getJson(`${suite.server.http}/matches/${id}/replay`);
        assert.equal(served.status, 200);

        // a purchase turned into a pass: a move the rules accept, so only the hashes tell
        const conn = await mysql.createConnection({ uri: url });
        try {
          const [[match]] = await conn.query<any[]>("SELECT room_id FROM matches WHERE id = ?", [id]);
          const [rows] = await conn.query<any[]>("SELECT n, entry FROM room_log_entries WHERE room_id = ? ORDER BY n", [match.room_id]);
          const buy = rows.findLast((r) => JSON.parse(r.entry).t === "act" && JSON.parse(r.entry).action === "buy");
          assert.ok(buy, "the game has a purchase");
          await conn.query("UPDATE room_log_entries SET entry = ? WHERE room_id = ? AND n = ?", [
            JSON.stringify({ ...JSON.parse(buy.entry), action: "pass" }),
            match.room_id,
            buy.n,
          ]);
        } finally {
          await conn.end();
        }
        const bad = await runReplayCli([String(id)], url);
        assert.equal(bad.code, 1, bad.stdout + bad.stderr);
        // the changed game ends elsewhere, or meets a later move that no longer fits (a rent due, not a purchase to decide)
        assert.match(
          bad.stdout,
          new RegExp(`^match ${id}: (the replay ends at state [0-9a-f]{16}, the room recorded [0-9a-f]{16} when the game ended|log entry \\d+ \\(act\\) is refused by the rules: [A-Z_]+)$`, "m"),
        );

        // the route answers the replay it made once (a recorded match does not change); the checker reads the database
        assert.deepEqual((await getJson(`${suite.server.http}/matches/${id}/replay`)).body, served.body);

        const unknown = await runReplayCli(["987654"], url);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /there is no match 987654/);
      });
    }
  });
}

describe("GET /matches/:id/replay: the rate limit per client address", () => {
  const TOKEN = "a-metrics-token-of-the-replay-spec";
  let server: TestServer;
  before(async () => {
    server = await startServer({ replayLimit: 3, replayWindowSeconds: 60, metricsToken: TOKEN });
  });
  after(() => server?.stop());

  const limited = async () => {
    const res = await fetch(`${server.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return sampleValue(parsePrometheusText(await res.text()), "boardroom_rate_limited_total", { limit: "replay" });
  };

  it("answers 429 TOO_MANY_ATTEMPTS with Retry-After once REPLAY_LIMIT requests were made in the window, counted as limit=\"replay\"", async () => {
    assert.equal(await limited(), 0);
    // every request counts, whatever it answers: an unknown match, a bad id
    const answers: number[] = [];
    let refused: Awaited<ReturnType<typeof getJson>> | null = null;
    for (let i = 0; i < 10 && refused === null; i++) {
      const answer = await getJson(`${server.http}/matches/${i % 2 === 0 ? 987654 : "abc"}/replay`);
      answers.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    assert.deepEqual(answers, [404, 400, 404, 429]);
    assert.equal(refused!.body.error.code, "TOO_MANY_ATTEMPTS");
    assert.match(refused!.body.error.message, /^Too many replays requested from your address; try again in \d+ s\.$/);
    const retryAfter = Number(refused!.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.equal((await getJson(`${server.http}/matches/1/replay`)).status, 429);
    assert.equal(await limited(), 2);
    // the other routes are not limited by it
    assert.equal((await getJson(`${server.http}/matches/recent`)).status, 200);
  });
});
