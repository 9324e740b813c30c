/**
 * Counters and gauges rendered in the Prometheus text exposition format (version 0.0.4), written
 * by hand: the format is a few lines of text per metric and no npm client targets Deno.
 *
 *     # HELP duet_errors_total Lobby errors sent to clients, by error code.
 *     # TYPE duet_errors_total counter
 *     duet_errors_total{code="room-full"} 2
 *
 * Label sets are declared with the metric; series listed in `initial` exist (at 0) from the start,
 * so a rate() over them works before the first event. Gauges may be computed at scrape time.
 */

/** Label values by label name. */
export type Labels = Record<string, string>;

/** A monotonically increasing count. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
  /** Current value of one series (tests, health output). */
  get(labels?: Labels): number;
}

/** A value that goes up and down. */
export interface Gauge {
  set(value: number, labels?: Labels): void;
  get(labels?: Labels): number;
}

/** One sample of a computed gauge. */
export interface Sample {
  labels?: Labels;
  value: number;
}

/** A set of metrics and their exposition. */
export interface MetricsRegistry {
  counter(name: string, help: string, opts?: { labels?: string[]; initial?: Labels[] }): Counter;
  gauge(name: string, help: string, opts?: { labels?: string[]; initial?: Labels[] }): Gauge;
  /** A gauge whose samples are read at scrape time (may be async, e.g. from Redis). */
  gaugeFrom(
    name: string,
    help: string,
    collect: () => Sample[] | Promise<Sample[]>,
  ): void;
  /** The whole exposition. A collector that throws drops only its own metric. */
  render(): Promise<string>;
}

/** Content-Type of {@link MetricsRegistry.render}'s output. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeValue = (s: string) =>
  s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

function formatLabels(labels: Labels | undefined): string {
  if (!labels) return "";
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "";
  return `{${keys.map((k) => `${k}="${escapeValue(labels[k])}"`).join(",")}}`;
}

/** Creates an empty registry. Metric and label names are checked; duplicates throw. */
export function createMetrics(): MetricsRegistry {
  type Entry = {
    name: string;
    help: string;
    type: "counter" | "gauge";
    samples: () => Sample[] | Promise<Sample[]>;
  };
  const entries: Entry[] = [];
  const names = new Set<string>();

  const declare = (name: string, labels: string[]) => {
    if (!NAME.test(name)) throw new Error(`bad metric name ${JSON.stringify(name)}`);
    if (names.has(name)) throw new Error(`metric ${name} declared twice`);
    for (const l of labels) {
      if (!LABEL.test(l) || l.startsWith("__")) throw new Error(`bad label name ${l}`);
    }
    names.add(name);
  };

  /** Series storage keyed by the canonical label text. */
  const series = (name: string, labelNames: string[], initial: Labels[] = []) => {
    const values = new Map<string, { labels: Labels; value: number }>();
    const keyOf = (labels: Labels = {}) => {
      const given = Object.keys(labels);
      if (
        given.length !== labelNames.length || labelNames.some((l) => typeof labels[l] !== "string")
      ) {
        throw new Error(`${name} takes labels [${labelNames.join(", ")}], got [${given}]`);
      }
      return formatLabels(labels);
    };
    // Hot path (a counter bumped per relayed message): one label, looked up by its value alone
    // once the series exists; a label set is checked and its key built only the first time.
    const single = labelNames.length === 1 ? labelNames[0] : null;
    const byValue = new Map<string, { labels: Labels; value: number }>();
    const slot = (labels: Labels = {}) => {
      if (single !== null) {
        const known = byValue.get(labels[single]);
        if (known) return known;
      }
      const key = keyOf(labels);
      let s = values.get(key);
      if (!s) values.set(key, s = { labels: { ...labels }, value: 0 });
      if (single !== null) byValue.set(labels[single], s);
      return s;
    };
    for (const l of initial) slot(l);
    // An unlabelled metric has exactly one series: show it from the start, and skip the key.
    const only = labelNames.length === 0 ? slot({}) : null;
    return {
      slot: (labels?: Labels) => (only !== null && labels === undefined ? only : slot(labels)),
      get: (labels?: Labels) => values.get(keyOf(labels))?.value ?? 0,
      samples: (): Sample[] => [...values.values()].map((s) => ({ ...s })),
    };
  };

  return {
    counter(name, help, opts = {}) {
      declare(name, opts.labels ?? []);
      const s = series(name, opts.labels ?? [], opts.initial);
      entries.push({ name, help, type: "counter", samples: s.samples });
      return {
        inc(labels, by = 1) {
          if (!(by >= 0)) throw new RangeError(`${name}: a counter only goes up (got ${by})`);
          s.slot(labels).value += by;
        },
        get: s.get,
      };
    },
    gauge(name, help, opts = {}) {
      declare(name, opts.labels ?? []);
      const s = series(name, opts.labels ?? [], opts.initial);
      entries.push({ name, help, type: "gauge", samples: s.samples });
      return {
        set(value, labels) {
          s.slot(labels).value = value;
        },
        get: s.get,
      };
    },
    gaugeFrom(name, help, collect) {
      declare(name, []);
      entries.push({ name, help, type: "gauge", samples: collect });
    },
    async render() {
      const blocks = await Promise.all(entries.map(async (e) => {
        let samples: Sample[];
        try {
          samples = await e.samples();
        } catch {
          return "";
        }
        let text = `# HELP ${e.name} ${escapeHelp(e.help)}\n# TYPE ${e.name} ${e.type}\n`;
        for (const s of samples) {
          text += `${e.name}${formatLabels(s.labels)} ${formatNumber(s.value)}\n`;
        }
        return text;
      }));
      return blocks.join("");
    },
  };
}
