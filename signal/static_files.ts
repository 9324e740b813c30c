/**
 * Serves the built game (Vite's `dist/`) over HTTP: correct content types, `index.html` for
 * directories, 404 for anything missing, and no way out of the root (`..`, encoded slashes,
 * dotfiles and symlinks pointing outside are all refused). Hashed assets under `/assets/` are cached
 * for good; everything else is revalidated with an ETag.
 */

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  wasm: "application/wasm",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  wav: "audio/wav",
  m4a: "audio/mp4",
  mp4: "video/mp4",
  webm: "video/webm",
  webmanifest: "application/manifest+json",
};

/** The Content-Type for a file name, by extension; unknown types are served as bytes. */
export function contentTypeFor(path: string): string {
  const dot = path.lastIndexOf(".");
  const ext = dot < 0 ? "" : path.slice(dot + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? "application/octet-stream";
}

/**
 * The path segments of a request path, or null when it must not be served: undecodable, NUL or
 * backslash, `.`/`..` segments, or dotfiles. An empty last segment means a directory.
 */
export function safeSegments(pathname: string): string[] | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (!decoded.startsWith("/") || decoded.includes("\0") || decoded.includes("\\")) return null;
  const segments = decoded.slice(1).split("/");
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s.startsWith(".")) return null;
    if (s === "" && i < segments.length - 1) return null;
  }
  return segments;
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
  });
}

/** Creates a handler serving files under `root` for GET and HEAD. */
export function createStaticHandler(root: string): (req: Request) => Promise<Response> {
  let realRoot: Promise<string | null> | null = null;
  const resolveRoot = () => (realRoot ??= Deno.realPath(root).catch(() => {
    realRoot = null; // not built yet: look again next time
    return null;
  }));

  return async (req) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return text(405, "method not allowed\n", { allow: "GET, HEAD" });
    }
    const url = new URL(req.url);
    const segments = safeSegments(url.pathname);
    if (segments === null) return text(404, "not found\n");
    const base = await resolveRoot();
    if (base === null) {
      return text(
        404,
        `not found: the game is not built (no ${root}/ directory; run npm run build)\n`,
      );
    }
    if (segments[segments.length - 1] === "") segments[segments.length - 1] = "index.html";
    let path: string;
    let info: Deno.FileInfo;
    try {
      path = await Deno.realPath(`${base}/${segments.join("/")}`);
      info = await Deno.stat(path);
    } catch {
      return text(404, "not found\n");
    }
    // Symlinks are resolved above; whatever they point to must still be inside the root.
    if (!path.startsWith(`${base}/`)) return text(404, "not found\n");
    if (info.isDirectory) {
      return new Response(null, { status: 301, headers: { location: `${url.pathname}/` } });
    }
    if (!info.isFile) return text(404, "not found\n");

    const etag = `W/"${info.size.toString(36)}-${(info.mtime?.getTime() ?? 0).toString(36)}"`;
    const headers: Record<string, string> = {
      "content-type": contentTypeFor(path),
      "x-content-type-options": "nosniff",
      "cache-control": url.pathname.startsWith("/assets/")
        ? "public, max-age=31536000, immutable"
        : "no-cache",
      etag,
    };
    if (req.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers });
    }
    headers["content-length"] = String(info.size);
    if (req.method === "HEAD") return new Response(null, { headers });
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch {
      return text(404, "not found\n");
    }
    // The stream closes the file when it is fully read or the client goes away.
    return new Response(file.readable, { headers });
  };
}
