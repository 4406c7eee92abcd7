/**
 * The match as data (src/match): a room's state is what its log replays to. Pure specs, no server.
 */
import assert from "node:assert/strict";
import * as rules from "../src/game/index.ts";
import type { LogEntry } from "../src/match/log.ts";
import { nextSeat, openMatch, propose, repeatedOp, replay, seatOfToken, type Match } from "../src/match/match.ts";
import { prng } from "./helpers/prng.ts";

const TIMING = { awayTurnSeconds: 3 };
const OPTIONS = { private: false, maxPlayers: 5, maxRounds: 6, turnSeconds: 30 };

/** A live room in miniature: proposes entries as the room does and keeps the log it would write. */
class LiveMatch {
  match: Match;
  readonly log: LogEntry[] = [];
  clock = 1_700_000_000_000;

  constructor(options = OPTIONS) {
    const open: LogEntry = { t: "open", at: this.clock, code: "123456", options };
    this.log.push(open);
    this.match = openMatch(open);
  }

  /** Proposes `draft`; on success logs the entry and adopts the state. Returns the refusal code, if any. */
  offer(draft: LogEntry): string | null {
    this.clock += 1000;
    const { entry, result } = propose(this.match, { ...draft, at: this.clock }, TIMING);
    if (!result.ok) return result.error.code;
    this.log.push(entry);
    this.match = result.match;
    return null;
  }

  seat(id: string, name = id) {
    const seat = nextSeat(this.match);
    assert.notEqual(seat, null);
    assert.equal(this.offer({ t: "seat", at: 0, id, name, seat: seat!, tokenHash: `hash-${id}` }), null);
  }
}

/** Ann (the host) and Bob, both ready, in a game started with `seed`. */
function startedMatch(seed: number): LiveMatch {
  const live = new LiveMatch();
  live.seat("ann");
  live.seat("bob");
  live.offer({ t: "ready", at: 0, id: "ann", ready: true });
  live.offer({ t: "ready", at: 0, id: "bob", ready: true });
  assert.equal(live.offer({ t: "start", at: 0, id: "ann", seed, deadline: 0 }), null);
  return live;
}

function playRandomGame(seed: number): LiveMatch {
  const random = prng(seed);
  const live = new LiveMatch();
  const count = 2 + Math.floor(random() * 4);
  const ids = Array.from({ length: count }, (_, i) => `p${i}`);
  for (const id of ids) live.seat(id);
  if (random() < 0.5) {
    // someone leaves the lobby and comes back as a new player
    assert.equal(live.offer({ t: "leave", at: 0, id: "p0" }), null);
    live.seat("p0b");
    ids[0] = "p0b";
  }
  for (const id of ids) live.offer({ t: "ready", at: 0, id, ready: true, opId: `r-${id}` });
  assert.equal(live.offer({ t: "start", at: 0, id: live.match.hostId, seed: Math.floor(random() * 2 ** 32), deadline: 0, opId: "go" }), null);

  for (let i = 0; i < 2000 && live.match.phase === "playing"; i++) {
    const game = live.match.game!;
    const current = rules.currentPlayerId(game)!;
    const roll = random();
    if (roll < 0.05) {
      live.offer({ t: "auto", at: 0, id: current, deadline: 0 });
    } else if (roll < 0.07) {
      const someone = ids[Math.floor(random() * ids.length)];
      live.offer({ t: "gone", at: 0, id: someone, deadline: 0 });
    } else if (roll < 0.08) {
      const someone = ids[Math.floor(random() * ids.length)];
      live.offer({ t: "back", at: 0, id: someone, deadline: 0 });
    } else if (roll < 0.085) {
      live.offer({ t: "leave", at: 0, id: ids[Math.floor(random() * ids.length)] });
    } else if (roll < 0.1) {
      live.offer({ t: "chat", at: 0, id: ids[Math.floor(random() * ids.length)], text: `hello ${i}`, opId: `c${i}` });
    } else {
      const actions = ["roll", "buy", "pass", "end_turn", "pay_bail"] as const;
      // mostly the player on turn, sometimes anyone (refused, and so never logged)
      const who = random() < 0.9 ? current : ids[Math.floor(random() * ids.length)];
      live.offer({ t: "act", at: 0, id: who, action: actions[Math.floor(random() * actions.length)], deadline: 0, opId: `a${i}` });
    }
  }
  return live;
}

describe("the match log", () => {
  it("replays to exactly the live state, for 200 seeded games with leaves, timeouts, returns and chat", () => {
    let finished = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const live = playRandomGame(seed);
      const restored = replay(structuredClone(live.log));
      assert.deepEqual(restored, live.match, `seed ${seed}`);
      // a replay of a prefix is the state the live room had then
      const cut = 1 + Math.floor(live.log.length / 2);
      const partial = new LiveMatch();
      for (const entry of live.log.slice(1, cut)) partial.offer({ ...entry });
      assert.deepEqual(replay(live.log.slice(0, cut)).game, partial.match.game, `seed ${seed} prefix`);
      if (live.match.phase === "finished") finished++;
    }
    assert.ok(finished > 50, `most games run to the end (${finished} of 200 did)`);
  });

  it("keeps the seq strictly increasing, one per accepted action, and stamps every event with it", () => {
    const live = playRandomGame(7);
    let last = 0;
    for (const event of live.match.events) {
      assert.ok(event.seq >= last);
      last = event.seq;
    }
    assert.ok(live.match.seq >= last);
  });

  it("answers an opId repeated after 1,000 other messages with the original ack", () => {
    const live = new LiveMatch();
    live.seat("ann");
    live.seat("bob");
    assert.equal(live.offer({ t: "ready", at: 0, id: "ann", ready: true, opId: "first" }), null);
    const original = repeatedOp(live.match, "ann", "first");
    assert.deepEqual(original, { opId: "first", seq: 1 });
    for (let i = 0; i < 1000; i++) live.offer({ t: "chat", at: 0, id: "ann", text: `line ${i}`, opId: `chat-${i}` });
    for (let i = 0; i < 500; i++) live.offer({ t: "ready", at: 0, id: "ann", ready: i % 2 === 0, opId: `flip-${i}` });
    assert.deepEqual(repeatedOp(replay(live.log), "ann", "first"), original);
    assert.equal(repeatedOp(live.match, "bob", "first"), null, "opIds are per player");
  });

  it("remembers every opId of a long game, and keeps an earlier match's memory as it was", () => {
    const live = new LiveMatch();
    live.seat("ann");
    live.seat("bob");
    const early = live.match;
    for (let i = 0; i < 300; i++) live.offer({ t: "chat", at: 0, id: "ann", text: `line ${i}`, opId: `chat-${i}` });
    for (let i = 0; i < 300; i++) assert.deepEqual(repeatedOp(live.match, "ann", `chat-${i}`), { opId: `chat-${i}`, seq: 0 }, `chat-${i}`);
    assert.equal(repeatedOp(early, "ann", "chat-0"), null, "a match before the chat has not seen its opIds");
  });

  it("takes opIds named like Object's own properties (toString, constructor, __proto__) as new opIds, then as repeats", () => {
    const live = new LiveMatch();
    live.seat("ann");
    live.seat("bob");
    assert.equal(live.offer({ t: "ready", at: 0, id: "ann", ready: true, opId: "first" }), null);
    for (const opId of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      assert.equal(repeatedOp(live.match, "ann", opId), null, `${opId} is not seen yet`);
      const seq = live.match.seq;
      assert.equal(live.offer({ t: "ready", at: 0, id: "ann", ready: seq % 2 === 0, opId }), null);
      assert.deepEqual(repeatedOp(live.match, "ann", opId), { opId, seq: seq + 1 });
    }
    assert.deepEqual(repeatedOp(replay(live.log), "ann", "__proto__"), { opId: "__proto__", seq: 4 });
  });

  it("sets the turn deadline from the entry's time, shorter for a player who is gone, and logs it", () => {
    const live = startedMatch(42);
    assert.equal(live.match.deadline, live.clock + 30_000);
    assert.equal((live.log.at(-1) as { deadline: number }).deadline, live.match.deadline);
    const current = rules.currentPlayerId(live.match.game!)!;
    live.offer({ t: "gone", at: 0, id: current, deadline: 0 });
    assert.equal(live.match.deadline, live.clock + 3_000);
    live.offer({ t: "back", at: 0, id: current, deadline: 0 });
    assert.equal(live.match.deadline, live.clock + 30_000);
  });

  it("keeps the deadline of the player on turn when another player goes or comes back", () => {
    const live = startedMatch(42);
    const current = rules.currentPlayerId(live.match.game!)!;
    const other = current === "ann" ? "bob" : "ann";
    const deadline = live.match.deadline;
    assert.ok(deadline > 0);
    live.offer({ t: "gone", at: 0, id: other, deadline: 0 });
    assert.equal(live.match.deadline, deadline);
    live.offer({ t: "back", at: 0, id: other, deadline: 0 });
    assert.equal(live.match.deadline, deadline);
    assert.equal(replay(live.log).deadline, deadline);
  });

  it("refuses what the rules refuse and changes nothing", () => {
    const live = new LiveMatch({ ...OPTIONS, maxPlayers: 2 });
    live.seat("ann");
    live.seat("bob");
    const before = structuredClone(live.match);
    assert.equal(live.offer({ t: "seat", at: 0, id: "cy", name: "Cy", seat: 2, tokenHash: "h" }), "ROOM_FULL");
    assert.equal(live.offer({ t: "act", at: 0, id: "ann", action: "roll", deadline: 0 }), "WRONG_PHASE");
    assert.equal(live.offer({ t: "start", at: 0, id: "bob", seed: 1, deadline: 0 }), "NOT_HOST");
    assert.equal(live.offer({ t: "start", at: 0, id: "ann", seed: 1, deadline: 0 }), "NOT_READY");
    assert.equal(live.offer({ t: "ready", at: 0, id: "zed", ready: true }), "UNKNOWN_PLAYER");
    assert.deepEqual(live.match, before);
  });

  it("refuses a second player with the same name, compared without case", () => {
    const live = new LiveMatch();
    live.seat("ann", "Ann");
    assert.equal(live.offer({ t: "seat", at: 0, id: "x", name: "ANN", seat: 1, tokenHash: "h" }), "NAME_TAKEN");
  });

  it("finds a seat by its token's hash, and a player who forfeited is marked as having left", () => {
    const live = startedMatch(9);
    assert.equal(seatOfToken(live.match, "hash-bob")?.id, "bob");
    assert.equal(seatOfToken(live.match, "nope"), null);
    assert.equal(live.offer({ t: "leave", at: 0, id: "bob" }), null);
    assert.equal(seatOfToken(live.match, "hash-bob")?.left, true);
    assert.equal(live.match.phase, "finished", "the last player standing wins");
    assert.equal(live.match.deadline, 0);
  });

  it("refuses a log that does not start with its open entry", () => {
    assert.throws(() => replay([{ t: "ready", at: 0, id: "x", ready: true }]), /open entry/);
  });
});
