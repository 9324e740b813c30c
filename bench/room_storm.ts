// Room-list storm: one address with 10 connections alternating create/leave (~140 messages/s)
// against N idle clients that watch the room list, while a probe client pings every 100 ms.
// Measured: the probe's ping RTT during the storm, /healthz latency, the lobby's RSS before and
// after, and how many room-list messages an idle client received. The lobby runs as its own
// process (signal/main.ts under --root, so an older checkout can be measured the same way).
//
// usage: deno run -A bench/room_storm.ts [--clients 1000] [--seconds 5] [--root DIR]
import { parseArgs } from "node:util";
import { summarize } from "./stats.ts";
import { BENCH_LOBBY_ENV } from "./lobby_env.ts";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "1000" },
    seconds: { type: "string", default: "5" },
    root: { type: "string", default: new URL("..", import.meta.url).pathname },
    port: { type: "string", default: "18731" },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const port = Number(values.port);
const root = values.root!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const lobby = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-sys",
    `${root}/signal/main.ts`,
  ],
  env: {
    PORT: String(port),
    HOST: "127.0.0.1",
    STATIC_DIR: "",
    LOG_LEVEL: "error",
    ...BENCH_LOBBY_ENV,
    MAX_CONNECTIONS: "20000",
  },
  stdout: "null",
  stderr: "inherit",
}).spawn();

const rssKiB = async () => {
  const status = await Deno.readTextFile(`/proc/${lobby.pid}/status`);
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
};

const open = (onMessage?: (type: string, data: Record<string, unknown>) => void) =>
  new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.onopen = () => resolve(ws);
    ws.onerror = () => reject(new Error("connect failed"));
    if (onMessage) {
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        onMessage(m.type, m);
      };
    }
  });

try {
  for (let i = 0; i < 100; i++) {
    try {
      await (await fetch(`http://127.0.0.1:${port}/healthz`)).body?.cancel();
      break;
    } catch {
      await sleep(100);
    }
  }
  let listMessages = 0;
  const watchers: WebSocket[] = [];
  for (let i = 0; i < clients; i++) {
    watchers.push(
      await open(
        i === 0
          ? (t) => {
            if (t === "room" || t === "room-removed" || t === "rooms") listMessages++;
          }
          : undefined,
      ),
    );
  }
  await sleep(500);
  listMessages = 0;
  const rssBefore = await rssKiB();

  const rtts: number[] = [];
  const pending = new Map<number, number>();
  const probe = await open((t, m) => {
    if (t === "pong" && typeof m.rid === "number") {
      rtts.push(performance.now() - pending.get(m.rid)!);
      pending.delete(m.rid);
    }
  });
  const stormers = await Promise.all(Array.from({ length: 10 }, () => open(() => {})));

  let sent = 0;
  let rid = 0;
  const healthMs: number[] = [];
  let healthFailed = 0;
  const end = performance.now() + seconds * 1000;
  let lastPing = 0;
  let lastHealth = 0;
  while (performance.now() < end) {
    // ~140 messages/s over the 10 connections: each sends create then leave every 140 ms.
    for (const s of stormers) {
      s.send('{"type":"create","name":"storm"}');
      s.send('{"type":"leave"}');
      sent += 2;
    }
    const now = performance.now();
    if (now - lastPing >= 100) {
      lastPing = now;
      pending.set(++rid, now);
      probe.send(JSON.stringify({ type: "ping", rid }));
    }
    if (now - lastHealth >= 500) {
      lastHealth = now;
      const t0 = performance.now();
      fetch(`http://127.0.0.1:${port}/healthz`).then(async (r) => {
        await r.body?.cancel();
        healthMs.push(performance.now() - t0);
      }, () => healthFailed++);
    }
    await sleep(140);
  }
  await sleep(1000);
  const rssAfter = await rssKiB();
  const result = {
    root,
    clients,
    seconds,
    stormMessages: sent,
    listMessagesPerIdleClient: listMessages,
    pingRttMs: summarize(rtts),
    pingsLost: pending.size,
    healthzMs: summarize(healthMs),
    healthzFailed: healthFailed,
    rssMiBBefore: Math.round(rssBefore / 1024),
    rssMiBAfter: Math.round(rssAfter / 1024),
  };
  console.log(JSON.stringify(result, null, 2));
  for (const w of [...watchers, probe, ...stormers]) w.close();
  await sleep(200);
} finally {
  lobby.kill("SIGTERM");
  await lobby.status;
}
