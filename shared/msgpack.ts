/**
 * The one msgpackr instance every duet wire and file format decodes hostile bytes with. Its
 * options close every door msgpackr would otherwise open: record definitions and structured-clone
 * references are off, maps become plain objects (msgpackr renames a `__proto__` key), and
 * uint64/int64 decode as lossy numbers, which the formats' range checks then reject, instead of
 * BigInts that would surprise a game.
 *
 * @module
 */

import { Packr } from "msgpackr";

/** The locked-down msgpack encoder and decoder (`pack`, `unpack`). */
export const lockedPackr: Packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  bundleStrings: false,
  mapsAsObjects: true,
  int64AsType: "number",
  useFloat32: 0,
});
