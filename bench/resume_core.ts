// The pure part of the resume benchmark (bench/resume.ts): when a try counts as resumed, and
// the summary of the tries. No Playwright here, so its unit test needs no browser.
import { roundSummary, summarize, type Summary } from "./stats.ts";

/** One reading of a page during a try. */
export interface Reading {
  /** ms since the outage ended (or the reload started). */
  t: number;
  state: string;
  confirmedFrame: number;
}

/**
 * When (ms after the start) the match had resumed: the first reading, with the page `playing`,
 * whose confirmed frame is past `confirmedAtStart + frames` (the pair is agreeing on new frames
 * again, not just the survivor predicting alone). Null if it never did.
 */
export function resumedAt(
  readings: readonly Reading[],
  confirmedAtStart: number,
  frames = 30,
): number | null {
  for (const r of readings) {
    if (r.state === "playing" && r.confirmedFrame >= confirmedAtStart + frames) return r.t;
  }
  return null;
}

/** The figures of one case: ms to resume over the tries that did, and how many did not. */
export interface ResumeCase {
  kind: "outage" | "reload";
  tries: number;
  failed: number;
  ms: Summary | null;
  /** Both pages' checksums agreed after every resumed try; null when none resumed. */
  inSync: boolean | null;
}

/** Summarizes a case's tries (null entries did not resume in time). */
export function resumeCase(
  kind: ResumeCase["kind"],
  tries: readonly (number | null)[],
  inSync: boolean,
): ResumeCase {
  const ok = tries.filter((x): x is number => x !== null);
  return {
    kind,
    tries: tries.length,
    failed: tries.length - ok.length,
    ms: ok.length === 0 ? null : roundSummary(summarize(ok), 0),
    inSync: ok.length === 0 ? null : inSync,
  };
}
