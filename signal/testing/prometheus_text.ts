/**
 * A strict parser for the Prometheus text exposition format (0.0.4), test-only: it checks what a
 * Prometheus server would reject (samples without a TYPE, a TYPE after samples, bad names, bad
 * label syntax, bad escapes, unparsable values, duplicate series) and returns the samples.
 *
 * @module
 */

/** One parsed sample. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The parsed exposition. */
export interface PromText {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: PromSample[];
  /** The value of `name` with exactly `labels` (default none), or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function parseValue(text: string, line: number): number {
  if (text === "NaN") return NaN;
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`line ${line}: bad value ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Parses `text`, throwing an Error naming the line on anything malformed. */
export function parsePrometheusText(text: string): PromText {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: PromSample[] = [];
  const seen = new Set<string>();
  const sampled = new Set<string>();
  if (text !== "" && !text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === "") return;
    if (raw.startsWith("#")) {
      const m = raw.match(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/);
      if (!m) return; // a plain comment
      const [, kind, name, rest] = m;
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`line ${n}: unknown type ${rest}`);
        if (types.has(name)) throw new Error(`line ${n}: second TYPE for ${name}`);
        if (sampled.has(name)) throw new Error(`line ${n}: TYPE for ${name} after its samples`);
        types.set(name, rest);
      } else {
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ""))) throw new Error(`line ${n}: bad escape`);
        help.set(name, rest);
      }
      return;
    }
    const nameMatch = raw.match(NAME);
    if (!nameMatch) throw new Error(`line ${n}: bad metric name in ${JSON.stringify(raw)}`);
    const name = nameMatch[0];
    let rest = raw.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      rest = rest.slice(1);
      while (!rest.startsWith("}")) {
        const l = rest.match(LABEL);
        if (!l) throw new Error(`line ${n}: bad label name`);
        rest = rest.slice(l[0].length);
        if (!rest.startsWith('="')) throw new Error(`line ${n}: expected =" after ${l[0]}`);
        rest = rest.slice(2);
        let value = "";
        for (;;) {
          const c = rest[0];
          if (c === undefined) throw new Error(`line ${n}: unterminated label value`);
          rest = rest.slice(1);
          if (c === '"') break;
          if (c === "\\") {
            const e = rest[0];
            rest = rest.slice(1);
            if (e === "n") value += "\n";
            else if (e === "\\" || e === '"') value += e;
            else throw new Error(`line ${n}: bad escape \\${e}`);
          } else value += c;
        }
        if (l[0] in labels) throw new Error(`line ${n}: label ${l[0]} twice`);
        labels[l[0]] = value;
        if (rest.startsWith(",")) rest = rest.slice(1);
        else if (!rest.startsWith("}")) throw new Error(`line ${n}: expected , or }`);
      }
      rest = rest.slice(1);
    }
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(" ") || parts.length < 1 || parts.length > 2) {
      throw new Error(`line ${n}: expected "name{labels} value [timestamp]"`);
    }
    const base = types.has(name) ? name : name.replace(/_(sum|count|bucket|total)$/, "");
    if (!types.has(name) && !types.has(base)) throw new Error(`line ${n}: ${name} has no TYPE`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${n}: duplicate series ${key}`);
    seen.add(key);
    sampled.add(name);
    samples.push({ name, labels, value: parseValue(parts[0], n) });
  });
  return {
    types,
    help,
    samples,
    value(name, labels = {}) {
      const want = JSON.stringify(Object.entries(labels).sort());
      return samples.find((s) =>
        s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want
      )?.value;
    },
  };
}
