/**
 * What a Redis step's script result means for the client, decided without Redis or sockets so
 * every status is tested alone; redis_steps.ts delivers it.
 *
 * @module
 */
import { encodeServerMessage, type ErrorCode } from "../shared/lobby_protocol.ts";
import type { ScriptResult } from "./redis_client.ts";

/** A step script's result, read: done (maybe a pairing), an error for the client, or gone. */
export type StepOutcome =
  | { kind: "ok"; paired: boolean }
  | { kind: "error"; code: ErrorCode; message: string }
  | { kind: "gone"; status: string };

/**
 * Reads a step script's result. `notFound` replaces the script's `room-not-found` text: the
 * script sees the resolved id, the client typed the name or code.
 */
export function stepOutcome(result: ScriptResult, notFound = ""): StepOutcome {
  const [status, a, b] = result;
  if (status === "ok") return { kind: "ok", paired: a === "paired" };
  if (status === "error") {
    const code = a as ErrorCode;
    return { kind: "error", code, message: code === "room-not-found" ? notFound : b };
  }
  return { kind: "gone", status };
}

/** The `error` message a client gets; `retryAfterMs` only for the password backoff. */
export function errorText(
  code: ErrorCode,
  message: string,
  rid: number | undefined,
  retryAfterMs?: number,
): string {
  return encodeServerMessage({
    type: "error",
    code,
    message,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(rid === undefined ? {} : { rid }),
  });
}
