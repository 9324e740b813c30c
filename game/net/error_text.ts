/**
 * What a caught value says, for a message shown to a player or logged: an Error's message, else
 * the value as text (anything may be thrown).
 *
 * @module
 */

/** The message of `e` if it is an Error, else `String(e)`. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
