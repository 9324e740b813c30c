/**
 * Waiting in tests that drive real sockets: a sleep, and a poll until a condition holds that
 * names what it waited for when it times out.
 *
 * @module
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `everyMs` until it holds; throws "timed out waiting for <what>" after `ms`. */
export async function until(
  what: string,
  cond: () => boolean,
  ms = 5_000,
  everyMs = 10,
): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
