import assert from "node:assert/strict";
import { parseArgs, parseStrategies } from "./cli.ts";

Deno.test("parseArgs reads the shared benchmark flags", () => {
  assert.deepEqual(
    parseArgs([
      "--quick",
      "--render",
      "--out",
      "x.json",
      "--only",
      "duet",
      "--impair",
      "20,5",
      "--strategies",
      "4,2",
      "extra",
    ]),
    {
      quick: true,
      render: true,
      out: "x.json",
      only: "duet",
      impair: "20,5",
      strategies: "4,2",
      rest: ["extra"],
    },
  );
  assert.deepEqual(parseArgs([]), {
    quick: false,
    render: false,
    out: null,
    only: null,
    impair: null,
    strategies: null,
    rest: [],
  });
});

Deno.test("parseArgs rejects typos and missing values instead of running the full bench", () => {
  assert.throws(() => parseArgs(["--quik"]), /unknown flag --quik/);
  assert.throws(() => parseArgs(["--out"]), /--out needs a value/);
  assert.throws(() => parseArgs(["--out", "--quick"]), /--out needs a value/);
});

Deno.test("--strategies takes resend delays and the setTimeout-chain driver", () => {
  assert.deepEqual(parseStrategies("4,1,timeout"), [
    { resendAfterMs: 4 },
    { resendAfterMs: 1 },
    { driver: "timeout" },
  ]);
  assert.deepEqual(parseStrategies(undefined), []);
});

Deno.test("--strategies refuses what is neither a delay nor a driver", () => {
  assert.throws(() => parseStrategies("2,worker"), /bad resendAfterMs "worker"/);
  assert.throws(() => parseStrategies("-1"), /bad resendAfterMs/);
});
