// The floor of the lobby benchmark: the least a WebSocket relay can be on each stack duet's lobby
// may run on, so the report can say how far above the platform duet is. No validation, no
// metrics, no limits, no heartbeat of its own: a socket joins the room named in its URL
// (`/ws?room=NAME`), gets `{"type":"welcome"}`, and every text frame goes verbatim to the other
// socket of the room. An idle socket costs only what the stack holds for it.
//
// usage: deno run -A bench/floor_relay.ts <deno|ws> <port>
//   deno: Deno.serve + Deno.upgradeWebSocket (default idleTimeout, as a bare user gets it)
//   ws:   node:http + the `ws` package's WebSocketServer (noServer), run under Deno

/** The message a floor socket gets once it is usable (the generator waits for it). */
export const FLOOR_WELCOME = '{"type":"welcome"}';

/** The minimal socket both stacks offer. */
interface Sock {
  send(text: string): void;
}

/** Rooms of at most a pair; the relay's whole state. */
export class FloorRooms<S extends Sock> {
  readonly #rooms = new Map<string, S[]>();

  /** Adds `s` to `room`. */
  join(room: string, s: S): void {
    const m = this.#rooms.get(room);
    if (m) m.push(s);
    else this.#rooms.set(room, [s]);
  }

  /** The other member of `s`'s room, if any. */
  other(room: string, s: S): S | undefined {
    const m = this.#rooms.get(room);
    if (!m) return undefined;
    return m[0] === s ? m[1] : m[0];
  }

  /** Removes `s` from `room`. */
  leave(room: string, s: S): void {
    const m = this.#rooms.get(room);
    if (!m) return;
    const rest = m.filter((x) => x !== s);
    if (rest.length) this.#rooms.set(room, rest);
    else this.#rooms.delete(room);
  }

  /** Number of rooms with a member. */
  get size(): number {
    return this.#rooms.size;
  }
}

const roomOf = (url: string) => new URL(url, "http://x").searchParams.get("room") ?? "";

/** Deno.serve + upgradeWebSocket floor on 127.0.0.1:`port`. */
export function serveDenoFloor(port: number): Deno.HttpServer<Deno.NetAddr> {
  const rooms = new FloorRooms<WebSocket>();
  return Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, (req) => {
    if (req.headers.get("upgrade") !== "websocket") return new Response("ok");
    const room = roomOf(req.url);
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onopen = () => {
      rooms.join(room, socket);
      socket.send(FLOOR_WELCOME);
    };
    socket.onmessage = (e) => rooms.other(room, socket)?.send(e.data);
    socket.onclose = () => rooms.leave(room, socket);
    return response;
  });
}

/** node:http + `ws` floor on 127.0.0.1:`port`; resolves once it listens. */
export async function serveWsFloor(port: number) {
  const http = await import("node:http");
  const { WebSocketServer } = await import("ws");
  type WsSocket = import("ws").WebSocket;
  const rooms = new FloorRooms<WsSocket>();
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((_req, res) => res.end("ok"));
  server.on("upgrade", (req, sock, head) => {
    const room = roomOf(req.url ?? "");
    wss.handleUpgrade(req, sock, head, (ws) => {
      ws.on("error", () => {}); // an unhandled error event would end the process
      rooms.join(room, ws);
      ws.on("message", (data, isBinary) => {
        rooms.other(room, ws)?.send(isBinary ? data : data.toString());
      });
      ws.on("close", () => rooms.leave(room, ws));
      ws.send(FLOOR_WELCOME);
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return server;
}

if (import.meta.main) {
  const [stack, port] = [Deno.args[0], Number(Deno.args[1])];
  if ((stack !== "deno" && stack !== "ws") || !Number.isInteger(port)) {
    console.error("usage: floor_relay.ts <deno|ws> <port>");
    Deno.exit(2);
  }
  if (stack === "deno") serveDenoFloor(port);
  else await serveWsFloor(port);
}
