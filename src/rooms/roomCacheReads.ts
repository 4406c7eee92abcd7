/**
 * A workaround for @colyseus/redis-driver 0.18.3: concurrent queries of the room cache share one
 * HGETALL (RedisDriver.getRooms keeps it in `_concurrentRoomCacheRequest`, and one derived promise
 * per room name in `_roomCacheRequestByName`), and the driver forgets a shared read only when it
 * succeeds. When one fails (Redis away for longer than ioredis retries a command, about 10 s), every
 * later query on the process (GET /rooms, join, joinOrCreate, a new lobby) gets that same error for
 * the life of the process, although Redis is back. This forgets a shared read as soon as it fails,
 * so the next query reads Redis again. Drop it once the driver clears its shared reads on failure.
 */
interface SharedReads {
  _concurrentRoomCacheRequest?: Promise<unknown>;
  _roomCacheRequestByName?: Record<string, Promise<unknown>>;
}

const watched = new WeakSet<Promise<unknown>>();

/** Call often (every second or two): shared reads made since the last call are watched from now on. */
export function forgetFailedRoomCacheReads(driver: object): void {
  const reads = driver as SharedReads;
  const byName = reads._roomCacheRequestByName;
  if (!byName || typeof byName !== "object") return;
  const all = reads._concurrentRoomCacheRequest;
  if (all) {
    watch(all, () => {
      if (reads._concurrentRoomCacheRequest === all) reads._concurrentRoomCacheRequest = undefined;
    });
  }
  for (const [name, read] of Object.entries(byName)) {
    watch(read, () => {
      if (byName[name] === read) delete byName[name];
    });
  }
}

function watch(read: Promise<unknown>, forget: () => void) {
  if (watched.has(read)) return;
  watched.add(read);
  // the caller of the query sees the failure itself; this only stops it being handed out again
  read.catch(forget);
}
