import assert from "node:assert/strict";
import { startBenchServer } from "./bench_server.ts";

function open(url: string): Promise<{ ws: WebSocket; got: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const got: string[] = [];
    ws.onmessage = (e) => got.push(String(e.data));
    ws.onopen = () => resolve({ ws, got });
    ws.onerror = () => reject(new Error("ws error"));
  });
}

const until = async (f: () => boolean) => {
  for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
};

Deno.test("bench server serves the page and script, pairs two sockets and relays verbatim", async () => {
  const s = await startBenchServer("globalThis.x = 1;");
  try {
    const res = await fetch(s.origin + "/");
    // Cross-origin isolated, so the page's clock has the resolution per-frame timings need.
    assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(res.headers.get("cross-origin-embedder-policy"), "require-corp");
    const page = await res.text();
    assert.match(page, /<script type="module" src="\/bench.js">/);
    assert.equal(await (await fetch(s.origin + "/bench.js")).text(), "globalThis.x = 1;");
    const nf = await fetch(s.origin + "/nope");
    await nf.body?.cancel();
    assert.equal(nf.status, 404);
    const a = await open(`${s.relayUrl}?room=r`);
    const b = await open(`${s.relayUrl}?room=r`);
    await until(() => a.got.length > 0 && b.got.length > 0);
    assert.deepEqual(JSON.parse(a.got[0]), { type: "paired", role: "offerer" });
    assert.deepEqual(JSON.parse(b.got[0]), { type: "paired", role: "answerer" });
    a.ws.send('{"sdp":1}');
    await until(() => b.got.length > 1);
    assert.equal(b.got[1], '{"sdp":1}');
    const closed = Promise.all([a, b].map((c) => new Promise((r) => (c.ws.onclose = r))));
    a.ws.close();
    b.ws.close();
    await closed;
  } finally {
    await s.close();
  }
});
