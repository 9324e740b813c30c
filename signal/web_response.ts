/**
 * Bridges between the web `Request`/`Response` the lobby's routes are written with and the
 * `node:http` objects its server runs on. Bodies are streamed with back-pressure; a client that
 * goes away mid-response ends the stream (and closes a file being sent).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** A web Request for a node request head (no body: the lobby's routes never read one). */
export function webRequest(req: IncomingMessage, scheme = "http"): Request {
  const host = req.headers.host ?? "localhost";
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    } catch {
      // A header the Fetch API refuses (bad characters): drop it.
    }
  }
  let url: URL;
  try {
    url = new URL(req.url ?? "/", `${scheme}://${host}`);
  } catch {
    url = new URL(req.url?.startsWith("/") ? req.url : "/", `${scheme}://localhost`);
  }
  return new Request(url, { method: req.method === "HEAD" ? "HEAD" : "GET", headers });
}

/** Writes `response` to `res`, streaming its body; resolves when done or the client left. */
export async function sendWebResponse(
  res: ServerResponse,
  response: Response,
  extraHeaders: Readonly<Record<string, string>> = {},
): Promise<void> {
  const headers: Record<string, string> = { ...extraHeaders };
  response.headers.forEach((value, key) => (headers[key] = value));
  res.writeHead(response.status, headers);
  if (response.body === null || res.req.method === "HEAD") {
    await response.body?.cancel();
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off("drain", go);
            res.off("close", go);
            resolve();
          };
          res.on("drain", go);
          res.on("close", go);
        });
      }
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    reader.cancel().catch(() => {});
  }
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  426: "Upgrade Required",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The bytes of a small plain-text HTTP response that closes the connection. */
export function rawResponse(
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): string {
  const bytes = new TextEncoder().encode(body).length;
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
    "content-type: text/plain; charset=utf-8",
    `content-length: ${bytes}`,
    "connection: close",
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, "")}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** Answers a raw socket (a refused upgrade) with a small response and closes it. */
export function refuseSocket(
  socket: Socket,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (socket.destroyed) return;
  try {
    socket.end(rawResponse(status, body, headers));
  } catch {
    socket.destroy();
  }
}
