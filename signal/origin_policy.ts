/**
 * Which web pages may open the lobby WebSocket. Browsers send the page's `Origin` with every
 * WebSocket handshake and do not apply CORS to WebSockets, so without this check any site could
 * embed a client of this lobby. Non-browser clients send no Origin (and could forge one anyway),
 * so a missing Origin is allowed: this protects players' browsers, not the server.
 *
 * Entries are origins (`https://game.example.com`, `http://localhost:5173`) or a wildcard for
 * subdomains (`https://*.example.com`, which does not match `https://example.com` itself). An empty
 * list allows every origin. With a list, the lobby's own origin must be on it too: an Origin that
 * merely equals the Host header proves nothing, since a DNS-rebinding page controls both (its
 * own name, resolved to the lobby's address).
 */

/** A checked allow-list. */
export interface OriginPolicy {
  /** Whether a handshake with this `Origin` header may upgrade. */
  allows(origin: string | null): boolean;
  /** The normalized entries (for logs). */
  readonly entries: readonly string[];
}

/** `scheme://host[:port]` lowercased, default port dropped; null when `text` is not an origin. */
export function normalizeOrigin(text: string): string | null {
  const t = text.trim();
  if (!/^https?:\/\/[^/?#@\s]+\/?$/i.test(t)) return null;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    return null;
  }
  // URL already drops a scheme's default port.
  return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ""}`;
}

/**
 * Parses the allow-list (entries as in the module docs). Throws an Error naming the first bad
 * entry.
 */
export function createOriginPolicy(list: readonly string[]): OriginPolicy {
  const exact = new Set<string>();
  const wildcards: { scheme: string; suffix: string; port: string }[] = [];
  const entries: string[] = [];
  for (const raw of list) {
    const text = raw.trim();
    if (text === "") continue;
    const wild = text.match(/^(https?):\/\/\*\.([^/:]+)(?::(\d+))?\/?$/i);
    if (wild) {
      const probe = normalizeOrigin(`${wild[1]}://x.${wild[2]}${wild[3] ? `:${wild[3]}` : ""}`);
      if (probe === null) throw new Error(`ALLOWED_ORIGINS: bad entry ${JSON.stringify(text)}`);
      const rest = probe.slice(`${wild[1].toLowerCase()}://x.`.length);
      const [suffix, port = ""] = rest.split(":");
      wildcards.push({ scheme: wild[1].toLowerCase(), suffix: `.${suffix}`, port });
      entries.push(`${wild[1].toLowerCase()}://*.${rest}`);
      continue;
    }
    const origin = normalizeOrigin(text);
    if (origin === null) {
      throw new Error(
        `ALLOWED_ORIGINS entries must look like https://host[:port] or https://*.domain, got ${
          JSON.stringify(text)
        }`,
      );
    }
    exact.add(origin);
    entries.push(origin);
  }

  return {
    entries,
    allows(origin) {
      if (entries.length === 0 || origin === null) return true;
      const o = normalizeOrigin(origin);
      if (o === null) return false;
      const url = new URL(o);
      if (exact.has(o)) return true;
      const scheme = url.protocol.slice(0, -1);
      return wildcards.some((w) =>
        w.scheme === scheme && url.hostname.endsWith(w.suffix) && url.port === w.port
      );
    },
  };
}
