/**
 * A Redis database for the scale-out specs. Without a reachable server they are skipped with a
 * one-line reason, unless REQUIRE_REDIS=1, where they fail.
 */
import { Redis } from "ioredis";

/** Database 13 by default, flushed by the specs: keep development data elsewhere. */
export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379/13";
export const REQUIRE_REDIS = process.env.REQUIRE_REDIS === "1";

/**
 * A connected client that tries once: ioredis's default reconnects forever and prints every failed
 * try as an unhandled error event, which would hang a spec's hooks when Redis is gone.
 */
async function connect(): Promise<Redis> {
  const client = new Redis(REDIS_TEST_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: Error | null = null;
  client.on("error", (e: Error) => (cause ??= e));
  try {
    await client.connect();
    return client;
  } catch (e) {
    client.disconnect();
    throw cause ?? e;
  }
}

export async function redisUnavailableReason(): Promise<string | null> {
  try {
    const client = await connect();
    try {
      await client.ping();
    } finally {
      client.disconnect();
    }
    return null;
  } catch (e) {
    return `no Redis server at ${REDIS_TEST_URL} (${(e as Error).message})`;
  }
}

export async function requireRedis(ctx: Mocha.Context): Promise<void> {
  const reason = await redisUnavailableReason();
  if (reason === null) return;
  if (REQUIRE_REDIS) throw new Error(`REQUIRE_REDIS=1 but ${reason}`);
  console.log(`      skipped: ${reason}`);
  ctx.skip();
}

export async function flushRedis(): Promise<void> {
  const client = await connect();
  try {
    await client.flushdb();
  } finally {
    client.disconnect();
  }
}
