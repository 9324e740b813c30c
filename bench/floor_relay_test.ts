import assert from "node:assert/strict";
import { FLOOR_WELCOME, FloorRooms, serveDenoFloor, serveWsFloor } from "./floor_relay.ts";

Deno.test("a floor room relays to the other member only and forgets a room once empty", () => {
  const rooms = new FloorRooms<{ send(t: string): void; n: string }>();
  const a = { n: "a", send() {} }, b = { n: "b", send() {} };
  rooms.join("r", a);
  assert.equal(rooms.other("r", a), undefined);
  rooms.join("r", b);
  assert.equal(rooms.other("r", a), b);
  assert.equal(rooms.other("r", b), a);
  rooms.leave("r", a);
  assert.equal(rooms.other("r", b), undefined);
  rooms.leave("r", b);
  assert.equal(rooms.size, 0);
});

/** Two sockets in one room on `url`: B gets A's text verbatim. */
async function relaysVerbatim(url: string) {
  const open = (): Promise<[WebSocket, string[]]> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}/ws?room=t`);
      const got: string[] = [];
      ws.onmessage = (e) => {
        got.push(String(e.data));
        if (got.length === 1) resolve([ws, got]);
      };
      ws.onerror = () => reject(new Error("socket error"));
    });
  const [a, gotA] = await open();
  const [b, gotB] = await open();
  assert.deepEqual(gotA, [FLOOR_WELCOME]);
  const text = '{"type":"signal","data":1}';
  const echoed = new Promise<string>((r) => (b.onmessage = (e) => r(String(e.data))));
  a.send(text);
  assert.equal(await echoed, text);
  assert.deepEqual(gotB, [FLOOR_WELCOME]);
  const closed = (w: WebSocket) => new Promise((r) => (w.onclose = r));
  const done = Promise.all([closed(a), closed(b)]);
  a.close();
  b.close();
  await done;
}

Deno.test("the Deno floor relays a text frame verbatim between the two sockets of a room", async () => {
  const server = serveDenoFloor(0);
  try {
    await relaysVerbatim(`ws://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the node:http + ws floor relays a text frame verbatim between two sockets", async () => {
  const server = await serveWsFloor(0);
  try {
    const addr = server.address();
    assert.ok(addr && typeof addr === "object");
    await relaysVerbatim(`ws://127.0.0.1:${addr.port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
