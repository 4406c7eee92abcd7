/**
 * The room cache of @colyseus/redis-driver, plus an index of the rooms matchmaking looks for.
 *
 * The driver answers every query that is not by roomId with an HGETALL of the whole `roomcaches`
 * hash and a JSON.parse of every room in it, so each quick play (`findOneRoomAvailable`: `locked:
 * false, private: false, name`) and each GET /rooms costs O(rooms in the cluster), and most of
 * those rooms are started games (locked) that the query throws away. This driver keeps `roomcaches`
 * exactly as it is (Colyseus, findByIds, cleanup, the relister and roomCacheReads.ts read it) and,
 * per room name, a hash of the rooms that are public and unlocked (`roomcaches:open:<name>`, roomId
 * -> the same JSON), written in the same MULTI as the listing, so the two never drift. A query for
 * open rooms of one name reads only that hash; every other query reads the whole cache as before.
 *
 * Single Redis only: the listing and its index are written in one MULTI, which a Redis Cluster
 * refuses across slots.
 */
import { RedisDriver } from "@colyseus/redis-driver";
import { Query } from "@colyseus/redis-driver/Query";
import { type IRoomCache, type SortOptions, debugMatchMaking, initializeRoomCache } from "@colyseus/core";

const ROOMCACHES_KEY = "roomcaches";
const OPEN_KEY_PREFIX = "roomcaches:open:";

/** The hash of the public, unlocked rooms named `name`. */
export function openRoomsKey(name: string): string {
  return `${OPEN_KEY_PREFIX}${name}`;
}

/**
 * Removes a listing and its index entry at once. Only the listing says which room name (so which
 * index) a roomId has, and the removal may come from a process that never hosted the room
 * (restore.ts, Colyseus's restore of a dead process's room), so the name is read inside Redis.
 */
const REMOVE_SCRIPT = `
local cache = redis.call('HGET', KEYS[1], ARGV[1])
if not cache then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local ok, listing = pcall(cjson.decode, cache)
if ok and type(listing) == 'table' and type(listing.name) == 'string' then
  redis.call('HDEL', ARGV[2] .. listing.name, ARGV[1])
end
return 1
`;

/** What this file uses of the driver's ioredis client (the driver brings its own ioredis). */
interface Transaction {
  hset(key: string, field: string, value: string): Transaction;
  hdel(key: string, ...fields: string[]): Transaction;
  exec(): Promise<[Error | null, unknown][] | null>;
}
interface Client {
  multi(): Transaction;
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  del(...keys: string[]): Promise<number>;
  eval(script: string, numberOfKeys: number, ...args: string[]): Promise<unknown>;
  scan(cursor: string, match: "MATCH", pattern: string, count: "COUNT", n: number): Promise<[string, string[]]>;
}

type Conditions = Partial<IRoomCache>;

/** Where a listing belongs in the index: what the full read would match with `locked: false, private: false`. */
function isOpen(room: IRoomCache): boolean {
  // a field the JSON leaves out reads back as false (initializeRoomCache)
  return (room.locked === undefined || room.locked === false) && (room.private === undefined || room.private === false);
}

/** A query the index answers completely: it can only match open rooms of one name. */
function isOpenRoomsQuery(conditions: Conditions): conditions is Conditions & { name: string } {
  return conditions.locked === false && conditions.private === false && typeof conditions.name === "string";
}

/** The driver's own filter and sort (its Query), over the given rooms: the answers cannot differ. */
function select(rooms: IRoomCache[], conditions: Conditions, sortOptions?: SortOptions): Promise<IRoomCache[]> {
  const query = new Query<IRoomCache>(Promise.resolve(rooms), conditions);
  if (sortOptions) query.sort(sortOptions);
  return query.all();
}

function parseAll(hash: Record<string, string> | null): IRoomCache[] {
  return Object.values(hash ?? {}).map((json) => initializeRoomCache(JSON.parse(json)));
}

async function execAll(transaction: Transaction): Promise<void> {
  const results = await transaction.exec();
  if (!results) throw new Error("room cache transaction aborted");
  for (const [error] of results) if (error) throw error;
}

export class OpenRoomsDriver extends RedisDriver {
  constructor(redisUrl: string) {
    super(redisUrl);
  }

  /** The driver's client (private in its typings): one connection for the cache and its index. */
  private get redis(): Client {
    return (this as unknown as { _client: Client })._client;
  }

  override async query(conditions: Conditions, sortOptions?: SortOptions): Promise<IRoomCache[]> {
    // one listing (each lobby update asks for one by roomId): the full read would find it in the same hash
    if (conditions.roomId !== undefined) {
      const json = await this.redis.hget(ROOMCACHES_KEY, conditions.roomId);
      return select(json ? [initializeRoomCache(JSON.parse(json))] : [], conditions, sortOptions);
    }
    if (isOpenRoomsQuery(conditions)) return select(await this.openRooms(conditions.name), conditions, sortOptions);
    return super.query(conditions, sortOptions);
  }

  override async findOne(conditions: Conditions, sortOptions?: SortOptions): Promise<IRoomCache> {
    if (conditions.roomId === undefined && isOpenRoomsQuery(conditions)) {
      return (await select(await this.openRooms(conditions.name), conditions, sortOptions))[0];
    }
    return super.findOne(conditions, sortOptions);
  }

  private async openRooms(name: string): Promise<IRoomCache[]> {
    return parseAll(await this.redis.hgetall(openRoomsKey(name)));
  }

  override async persist(room: IRoomCache, _create = false): Promise<boolean> {
    if (!room.roomId) {
      debugMatchMaking("OpenRoomsDriver: can't .persist() without a `roomId`");
      return false;
    }
    await this.write(room);
    return true;
  }

  /** As the driver's update: applies $set then $inc to the listing object, then writes it. */
  override async update(room: IRoomCache, operations: Partial<{ $set: Partial<IRoomCache>; $inc: Partial<IRoomCache> }>): Promise<boolean> {
    const fields = room as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(operations.$set ?? {})) fields[field] = value;
    for (const [field, value] of Object.entries(operations.$inc ?? {})) fields[field] = (fields[field] as number) + (value as number);
    await this.write(room);
    return true;
  }

  /** The listing and, in the same MULTI, its place in the index of its name (in it when open, out of it otherwise). */
  private async write(room: IRoomCache): Promise<void> {
    const json = JSON.stringify(room);
    const transaction = this.redis.multi().hset(ROOMCACHES_KEY, room.roomId, json);
    if (typeof room.name === "string") {
      if (isOpen(room)) transaction.hset(openRoomsKey(room.name), room.roomId, json);
      else transaction.hdel(openRoomsKey(room.name), room.roomId);
    }
    await execAll(transaction);
  }

  override async remove(roomId: string): Promise<boolean> {
    return (await this.redis.eval(REMOVE_SCRIPT, 1, ROOMCACHES_KEY, roomId, OPEN_KEY_PREFIX)) === 1;
  }

  /** A dead process's listings: read in full (as the driver does; rare), removed with their index entries batch by batch. */
  override async cleanup(processId: string): Promise<void> {
    const rooms = await super.query({ processId });
    debugMatchMaking("removing stale rooms by processId %s (%s rooms found)", processId, rooms.length);
    const perTransaction = 500;
    for (let i = 0; i < rooms.length; i += perTransaction) {
      const batch = rooms.slice(i, i + perTransaction);
      const transaction = this.redis.multi().hdel(ROOMCACHES_KEY, ...batch.map((r) => r.roomId));
      const idsByName = new Map<string, string[]>();
      for (const { name, roomId } of batch) if (typeof name === "string") idsByName.set(name, [...(idsByName.get(name) ?? []), roomId]);
      for (const [name, ids] of idsByName) transaction.hdel(openRoomsKey(name), ...ids);
      await execAll(transaction);
    }
  }

  /** Every listing and every index (the test suites' reset). */
  override async clear(): Promise<void> {
    const keys = [ROOMCACHES_KEY];
    let cursor = "0";
    do {
      const [next, found] = await this.redis.scan(cursor, "MATCH", `${OPEN_KEY_PREFIX}*`, "COUNT", 500);
      keys.push(...found);
      cursor = next;
    } while (cursor !== "0");
    await this.redis.del(...new Set(keys));
  }
}
