/**
 * Structured logs: one JSON object per line, `{"time", "level", "event", ...fields}`, so a log
 * shipper can index the fields without parsing prose. `event` is a short stable name
 * (`listening`, `ws-rejected`, `redis-down`, ...); `msg` is optional human text.
 *
 * Levels: debug < info < warn < error; `silent` logs nothing. debug/info lines go to stdout,
 * warn/error to stderr (so a supervisor that only keeps stderr still keeps the problems).
 */

/** Log levels, quietest last. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra fields of a log line. Errors are turned into their message (and stack at debug). */
export type LogFields = Record<string, unknown>;

/** A structured logger. */
export interface Logger {
  readonly level: LogLevel;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** Whether `level` would be written (to skip building costly fields). */
  enabled(level: Exclude<LogLevel, "silent">): boolean;
}

/** Where lines go: `stream` is "out" for debug/info, "err" for warn/error. */
export type LogWriter = (line: string, stream: "out" | "err") => void;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Whether `text` names a level. */
export function isLogLevel(text: string): text is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

const consoleWriter: LogWriter = (line, stream) => {
  if (stream === "err") console.error(line);
  else console.log(line);
};

function plain(value: unknown, withStack: boolean): unknown {
  if (value instanceof Error) {
    return withStack && value.stack ? `${value.message}\n${value.stack}` : value.message;
  }
  return value;
}

/** Creates a logger writing lines at `level` and above. `now` is injectable for tests. */
export function createLogger(
  level: LogLevel = "info",
  write: LogWriter = consoleWriter,
  now: () => Date = () => new Date(),
): Logger {
  const min = RANK[level];
  const emit = (lv: Exclude<LogLevel, "silent">, event: string, fields?: LogFields) => {
    if (RANK[lv] < min) return;
    const record: LogFields = { time: now().toISOString(), level: lv, event };
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        if (v !== undefined && !(k in record)) record[k] = plain(v, min === 0);
      }
    }
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      // A cyclic or BigInt field must not turn a log call into a crash.
      line = JSON.stringify({
        time: record.time,
        level: lv,
        event,
        error: "unserializable fields",
      });
    }
    write(line, lv === "warn" || lv === "error" ? "err" : "out");
  };
  return {
    level,
    debug: (e, f) => emit("debug", e, f),
    info: (e, f) => emit("info", e, f),
    warn: (e, f) => emit("warn", e, f),
    error: (e, f) => emit("error", e, f),
    enabled: (lv) => RANK[lv] >= min,
  };
}

/** A logger that drops everything (tests, embedding). */
export const silentLogger: Logger = createLogger("silent", () => {});
