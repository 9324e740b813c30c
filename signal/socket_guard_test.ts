import assert from "node:assert/strict";
import {
  acceptedSocket,
  checkSocket,
  requestArrived,
  responseDone,
  type SocketTimeouts,
  upgraded,
} from "./socket_guard.ts";

const T: SocketTimeouts = { requestTimeoutMs: 3000, keepAliveTimeoutMs: 1000 };

Deno.test("a socket that sends no complete request head is closed at the request timeout", () => {
  const s = acceptedSocket(0);
  assert.equal(checkSocket(s, 2999, 0, T).close, false);
  assert.equal(checkSocket(s, 3000, 0, T).close, true);
});

Deno.test("an idle keep-alive socket is closed at the keep-alive timeout", () => {
  const served = responseDone(requestArrived(acceptedSocket(0), 10, 0), 20);
  assert.equal(checkSocket(served, 1019, 500, T).close, false);
  assert.equal(checkSocket(served, 1020, 500, T).close, true);
});

Deno.test("a response is kept while bytes go out and closed once it stalls", () => {
  let s = requestArrived(acceptedSocket(0), 0, 0);
  for (let t = 1000; t <= 10_000; t += 1000) {
    const r = checkSocket(s, t, t, T); // progress every second
    assert.equal(r.close, false);
    s = r.socket;
  }
  assert.equal(checkSocket(s, 12_999, 10_000, T).close, false);
  assert.equal(checkSocket(s, 13_000, 10_000, T).close, true);
});

Deno.test("upgraded sockets are left to the WebSocket heartbeat", () => {
  const ws = upgraded(requestArrived(acceptedSocket(0), 0, 0), 1);
  assert.equal(checkSocket(ws, 1e9, 0, T).close, false);
});
