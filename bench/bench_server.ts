// The browser benchmarks' own tiny server: serves the bench page (an HTML shell plus the bundled
// page script) on a loopback origin, which is a secure context so WebRTC behaves as on a real
// site, and offers the minimal relay the bare RTCPeerConnection pair signals through.
//
// The relay is the least a signalling server can be: the first two sockets of a room are paired
// (first = offerer) and every text message is forwarded verbatim to the other one.

/**
 * Cross-origin isolation: Chromium then gives performance.now() 5 µs resolution instead of 100 µs,
 * which per-frame timings need. The page loads nothing from other origins (WebSockets are exempt).
 */
export const ISOLATED = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
} as const;

/** A running bench server. */
export interface BenchServer {
  readonly origin: string;
  readonly relayUrl: string;
  close(): Promise<void>;
}

const PAGE =
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>duet bench</title></head>
<body><p>duet bench page</p><script type="module" src="/bench.js"></script></body></html>`;

/** Starts the server on 127.0.0.1 (`port` 0 picks a free one) serving `script` as /bench.js. */
export function startBenchServer(script: string, port = 0): Promise<BenchServer> {
  const rooms = new Map<string, WebSocket[]>();
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: ({ port }) => {
        resolve({
          origin: `http://127.0.0.1:${port}`,
          relayUrl: `ws://127.0.0.1:${port}/relay`,
          close: () => server.shutdown(),
        });
      },
    }, (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/") {
        return new Response(PAGE, {
          headers: { "content-type": "text/html; charset=utf-8", ...ISOLATED },
        });
      }
      if (url.pathname === "/bench.js") {
        return new Response(script, {
          headers: { "content-type": "text/javascript", ...ISOLATED },
        });
      }
      if (url.pathname === "/relay" && req.headers.get("upgrade") === "websocket") {
        const room = url.searchParams.get("room") ?? "";
        const { socket, response } = Deno.upgradeWebSocket(req);
        socket.onopen = () => {
          const members = rooms.get(room) ?? [];
          if (members.length >= 2) {
            socket.close(1008, "room full");
            return;
          }
          members.push(socket);
          rooms.set(room, members);
          if (members.length === 2) {
            members[0].send(JSON.stringify({ type: "paired", role: "offerer" }));
            members[1].send(JSON.stringify({ type: "paired", role: "answerer" }));
          }
        };
        socket.onmessage = (e) => {
          const other = rooms.get(room)?.find((s) => s !== socket);
          if (other?.readyState === WebSocket.OPEN) other.send(e.data);
        };
        socket.onclose = () => {
          const members = (rooms.get(room) ?? []).filter((s) => s !== socket);
          if (members.length) rooms.set(room, members);
          else rooms.delete(room);
        };
        return response;
      }
      return new Response("not found", { status: 404 });
    });
  });
}
