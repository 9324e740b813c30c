import assert from "node:assert/strict";
import { createRedisClient } from "./redis_client.ts";
import { silentLogger } from "./log.ts";
import { REDIS_SERVER, startRedis } from "./testing/redis_server.ts";
import { requireBinary } from "./testing/service_process.ts";

const haveRedis = requireBinary(REDIS_SERVER, "Redis (client)", "apt-get install redis-server");

Deno.test({
  name: "scripts started in one turn share a pipeline and each gets its own reply",
  ignore: !haveRedis,
  async fn() {
    const redis = await startRedis();
    const client = createRedisClient({
      url: redis.url,
      prefix: "t",
      processId: "proc",
      ackTimeoutMs: 2000,
      log: silentLogger,
    });
    try {
      await client.connect();
      await client.cmd.set(client.key("alive", "proc"), "1");
      const scriptCalls = async () => {
        const stats = await client.cmd.info("commandstats");
        const calls = (c: string) =>
          Number(stats.match(new RegExp(`cmdstat_${c}:calls=(\\d+)`))?.[1] ?? 0);
        return { evalsha: calls("evalsha"), eval: calls("eval"), script: calls("script") };
      };
      const ids = Array.from({ length: 12 }, (_, i) => `p${i}`);
      // Even players are registered, odd ones are not: the replies must not be swapped.
      assert.deepEqual(
        await Promise.all(
          ids.filter((_, i) => i % 2 === 0).map((id) => client.run("connect", [id, id], false)),
        ),
        Array.from({ length: 6 }, () => ["ok"]),
      );
      // The first use of a script sends its text (EVAL); from then on only its hash.
      await client.run("resolve", ["p1", "x", "X"], false);
      const before = await scriptCalls();
      const replies = await Promise.all(
        ids.map((id) => client.run("resolve", [id, "nosuchroom", "NOSUCHROOM"], false)),
      );
      assert.deepEqual(
        replies,
        ids.map((_, i) => (i % 2 === 0 ? ["error", "room-not-found", ""] : ["gone"])),
      );
      // 12 scripts by EVALSHA: none sent again as EVAL, nor loaded again.
      assert.deepEqual(await scriptCalls(), { ...before, evalsha: before.evalsha + 12 });
      // With an ack: an error reply waits for its ack, so it arrives with the "0"/"1" flag gone.
      const acked = client.run("resolve", ["p1", "x", "X"], true);
      let entries: [string, string[]][] = [];
      while (entries.length === 0) {
        entries = await client.cmd.xrange(client.key("inbox", "proc"), "-", "+");
      }
      assert.equal(entries.length, 1);
      client.ackArrived(entries.at(-1)![1][1].slice(1));
      assert.deepEqual(await acked, ["gone"]);
    } finally {
      await client.close();
      await redis.stop();
    }
  },
});
