/**
 * Names other players read (player names, room names): how they are normalized, which are
 * refused, and when two of them look the same.
 *
 * - Normalized to NFC, so "é" typed as e + U+0301 and the precomposed "é" are one name.
 * - Refused: lone surrogates (not text; they turn into U+FFFD on the other side), more than
 *   {@link NAME_MAX_COMBINING_RUN} combining marks in a row (the marks stack up over the UI), and a
 *   name with nothing visible in it (only spaces, zero-width and other format characters, Hangul
 *   fillers, the Braille blank).
 * - {@link nameSkeleton} folds case, compatibility forms, invisible characters and a few common
 *   look-alikes (Cyrillic and Greek letters that look Latin, 0/o, 1/l/I), so "Ann", "ANN",
 *   "Аnn" (Cyrillic A) and "A\u200Bnn" share one skeleton; the lobby disambiguates such names.
 *
 * No Deno or DOM APIs: the browser imports this file.
 */
import { NAME_MAX_COMBINING_RUN } from "./limits.ts";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const COMBINING_RUN = new RegExp(`\\p{M}{${NAME_MAX_COMBINING_RUN + 1},}`, "u");
// Characters that render as nothing (or as blank space) on their own.
const INVISIBLE = /[\p{Cf}\p{Z}\p{M}\s\u115F\u1160\u3164\uFFA0\u2800\u034F\u17B4\u17B5]/gu;

/** Why a name is refused, or null when it is acceptable (call on the trimmed NFC text). */
export function nameProblem(name: string): string | null {
  if (LONE_SURROGATE.test(name)) return "must not contain unpaired surrogates";
  if (COMBINING_RUN.test(name)) {
    return `must not stack more than ${NAME_MAX_COMBINING_RUN} combining marks`;
  }
  if (name.replace(INVISIBLE, "") === "") return "must contain a visible character";
  return null;
}

/** `name` in NFC; lone surrogates are left for {@link nameProblem} to refuse. */
export function normalizeName(name: string): string {
  // normalize() keeps lone surrogates as they are, so the check after it still sees them.
  return name.normalize("NFC");
}

const LOOK_ALIKE: Record<string, string> = {
  // Cyrillic
  "а": "a",
  "в": "b",
  "е": "e",
  "ё": "e",
  "к": "k",
  "м": "m",
  "н": "h",
  "о": "o",
  "р": "p",
  "с": "c",
  "т": "t",
  "у": "y",
  "х": "x",
  "і": "l",
  "ј": "j",
  "ѕ": "s",
  // Greek
  "α": "a",
  "β": "b",
  "ε": "e",
  "η": "n",
  "ι": "l",
  "κ": "k",
  "ν": "v",
  "ο": "o",
  "ρ": "p",
  "τ": "t",
  "υ": "u",
  "χ": "x",
  // Latin and digits
  "0": "o",
  "1": "l",
  "i": "l",
  "|": "l",
  "$": "s",
};

/**
 * A key under which names that look alike are equal: NFKD, lowercase, no invisible characters or
 * marks, common confusables folded. Not a full UTS #39 skeleton; it catches the copies people make.
 */
export function nameSkeleton(name: string): string {
  const folded = name.normalize("NFKD").toLowerCase().replace(INVISIBLE, "");
  let out = "";
  for (const ch of folded) out += LOOK_ALIKE[ch] ?? ch;
  return out.replace(/rn/g, "m").replace(/vv/g, "w");
}

/**
 * `wanted` with the suffix " (n)", shortened (by code points, never splitting a surrogate pair)
 * so that the whole fits in `max` UTF-16 units: how a duplicate name is disambiguated.
 */
export function numberedName(wanted: string, n: number, max: number): string {
  const suffix = ` (${n})`;
  const chars = Array.from(wanted);
  while (chars.join("").length + suffix.length > max && chars.length > 0) chars.pop();
  return `${chars.join("").trimEnd()}${suffix}`;
}
