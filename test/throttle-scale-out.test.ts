/** Join-code guessing across processes: the failed look-ups of a client are counted in Redis, shared by every process. */
import assert from "node:assert/strict";
import { createTestDatabase, requireMysql, type TestDatabase } from "./helpers/mysql.ts";
import { startProcess, type ServerProcess } from "./helpers/process.ts";
import { REDIS_TEST_URL, flushRedis, requireRedis } from "./helpers/redis.ts";
import { getJson } from "./helpers/wait.ts";

describe("join-code guessing on two processes sharing Redis", function () {
  this.timeout(60_000);
  let db: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;
  /** Set once the suite has Redis: a skipped suite leaves it alone. */
  let usingRedis = false;

  before(async function () {
    await requireRedis(this);
    await requireMysql(this);
    usingRedis = true;
    await flushRedis();
    db = await createTestDatabase();
    const env = { MYSQL_URL: db.url, REDIS_URL: REDIS_TEST_URL, PUBLIC_ADDRESS: "127.0.0.1:{port}" };
    [a, b] = await Promise.all([startProcess(env), startProcess(env)]);
  });

  after(async () => {
    await Promise.all([a?.stop("SIGKILL"), b?.stop("SIGKILL")]);
    await db?.drop();
    if (usingRedis) await flushRedis();
  });

  it("answers the 11th failed look-up with 429 and Retry-After on the other process", async () => {
    for (let i = 0; i < 10; i++) {
      const via = i % 2 === 0 ? a : b;
      assert.equal((await getJson(`${via.http}/rooms/${900_000 + i}`)).status, 404, `look-up ${i + 1}`);
    }
    for (const via of [a, b]) {
      const { status, body, headers } = await getJson(`${via.http}/rooms/900010`);
      assert.equal(status, 429);
      assert.equal(body.error.code, "TOO_MANY_ATTEMPTS");
      const retryAfter = Number(headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${headers.get("retry-after")}`);
    }
  });
});
