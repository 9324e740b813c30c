// Entry of the bench page bundle: exposes the browser-side benchmark functions as
// `window.duetBench` for Playwright's page.evaluate.
import * as connect from "./page_connect.ts";
import * as input from "./page_input.ts";
import * as tick from "./page_tick.ts";
import * as spectate from "./page_spectate.ts";
import { measureRollback } from "./rollback_core.ts";

/** Everything the bench drivers call in the page. */
export const duetBench = { ...connect, ...input, ...tick, ...spectate, measureRollback };

/** The type Playwright-side code sees on `window.duetBench`. */
export type DuetBench = typeof duetBench;

(globalThis as unknown as { duetBench: DuetBench }).duetBench = duetBench;
