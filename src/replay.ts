/**
 * `npm run replay -- <match id>`: checks a stored match (MYSQL_URL) by replaying it. The match's
 * part of its room's log is replayed with the room's own step() into its actions and their state
 * hashes (what GET /matches/:id/replay answers), those are replayed again with the rules alone, and
 * the end is compared with what the room recorded when the game ended: its seed and the hash of its
 * final state. One line per mismatch and exit 1 on any; one summary line and exit 0 when all match;
 * exit 2 when the match cannot be checked (no such match, no log, no database).
 */
import { parseArgs } from "node:util";
import { ConfigError, loadEnvFiles, loadSettings } from "./config.ts";
import { stateHash } from "./match/hash.ts";
import { checkReplay, matchEntries, recordMismatches, ReplayError, replayOfLog } from "./match/replay.ts";
import { MySqlStore } from "./store/mysql/index.ts";

const HELP = `npm run replay -- <match id>

  Replays a finished match stored in the database at MYSQL_URL (the environment, or .env) and
  checks every state hash. Exit 0: all reproduced; 1: mismatches (one line each); 2: not checkable.`;

class Uncheckable extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { help: { type: "boolean" } }, allowPositionals: true, strict: true });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1 || !/^[1-9]\d{0,15}$/.test(positionals[0])) throw new Uncheckable(`give one match id (a whole number from 1), as in: ${HELP.split("\n")[0]}`);
  const id = Number(positionals[0]);
  loadEnvFiles();
  const settings = loadSettings();
  if (!settings.mysqlUrl) throw new Uncheckable("MYSQL_URL is not set: stored matches are in MySQL (the in-memory store keeps nothing after the server stops)");
  const store = new MySqlStore({ url: settings.mysqlUrl, staleProcessSeconds: settings.staleProcessSeconds, holdMs: settings.storeHoldSeconds * 1000, connectionLimit: 1 });
  try {
    const link = await store.matches.logLink(id);
    if (!link) throw new Uncheckable(`there is no match ${id}`);
    const entries = matchEntries(await store.logs.read(link.roomId), link);
    if (entries.length === 0) throw new Uncheckable(`match ${id} has no stored log (room ${link.roomId})`);
    const problems: string[] = [];
    let logged: ReturnType<typeof replayOfLog>;
    try {
      logged = replayOfLog(entries);
    } catch (e) {
      if (!(e instanceof ReplayError)) throw e;
      console.log(`match ${id}: ${e.message}`);
      return 1;
    }
    const { replay, final } = logged;
    for (const m of checkReplay(replay)) problems.push(m.index < 0 ? m.problem : `action ${m.index + 1} (seq ${m.seq}): ${m.problem}`);
    problems.push(...recordMismatches(logged, link, entries.length));
    const finalHash = stateHash(final);
    for (const problem of problems) console.log(`match ${id}: ${problem}`);
    if (problems.length > 0) return 1;
    const { actions } = replay;
    const seqs = actions.length > 0 ? `, seq ${actions[0].seq} to ${actions.at(-1)!.seq}` : "";
    const recorded = link.finalHash === null ? " (recorded before final hashes were kept)" : ", as recorded";
    console.log(`match ${id}: ${actions.length} actions${seqs}, every hash reproduced by the rules; final state ${finalHash}${recorded}`);
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    const known = e instanceof Uncheckable || e instanceof ConfigError;
    console.error(`replay: ${known ? e.message : ((e as Error).stack ?? String(e))}`);
    process.exit(2);
  },
);
