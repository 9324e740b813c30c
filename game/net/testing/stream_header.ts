/** A stream header for the spectate tests (test machinery: no entry point imports it). */
import type { StreamHeader } from "../../../shared/lobby_protocol.ts";

/** Game "g", version "1", seed 1, players A and B with no options. */
export const testHeader: StreamHeader = {
  game: "g",
  version: "1",
  seed: 1,
  names: ["A", "B"],
  options: [null, null],
};
