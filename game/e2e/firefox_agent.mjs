// Drives one headless Firefox (puppeteer-core over WebDriver BiDi) for a browser test, from inside
// the network namespace Firefox runs in. Firefox is only reachable through a WebSocket on its own
// 127.0.0.1, which a test in another namespace cannot reach; so this agent runs beside it
// (`ip netns exec <home> node firefox_agent.mjs`) and takes commands as JSON lines on stdin:
//   {id, op: "goto", url} | {id, op: "eval", expr} | {id, op: "close"}
// and answers each with {id, ok: true, value} or {id, ok: false, error} on stdout. It exits when
// stdin closes (the test ended or died), closing Firefox first. Plain JavaScript: Node runs it
// directly, without the TypeScript loader Playwright gives the specs.
import puppeteer from "puppeteer-core";
import { createInterface } from "node:readline";
import process from "node:process";

const executablePath = process.env.FIREFOX_PATH || "/usr/bin/firefox-esr";

const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath,
  headless: true,
  extraPrefsFirefox: {
    // Background pages must keep ticking at 60 Hz, not 1 Hz.
    "dom.min_background_timeout_value": 0,
    "dom.timeout.enable_budget_timer_throttling": false,
    // Real host addresses, not mDNS names nobody in the lab can resolve.
    "media.peerconnection.ice.obfuscate_host_addresses": false,
  },
});
// The game gets a tab of its own: closing the browser's first tab would not be a player closing
// a page (Firefox keeps its last tab alive), and the test must be able to close the game's.
async function openPage() {
  const p = await browser.newPage();
  p.on("pageerror", (e) => process.stderr.write(`[firefox] page error: ${e.message}\n`));
  p.on("console", (m) => {
    if (m.type() === "error") process.stderr.write(`[firefox] ${m.text()}\n`);
  });
  return p;
}
let page = await openPage();

const reply = (msg) => process.stdout.write(JSON.stringify(msg) + "\n");

async function handle(cmd) {
  switch (cmd.op) {
    case "goto":
      if (page.isClosed()) page = await openPage();
      await page.goto(cmd.url);
      return null;
    case "eval":
      return await page.evaluate(cmd.expr);
    case "close":
      // Closing the tab, as a player closing it would (the page's `pagehide` runs).
      await page.close({ runBeforeUnload: false });
      return (await browser.pages()).length;
    default:
      throw new Error(`unknown op ${cmd.op}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    return;
  }
  handle(cmd).then(
    (value) => reply({ id: cmd.id, ok: true, value: value ?? null }),
    (e) => reply({ id: cmd.id, ok: false, error: String(e?.message ?? e) }),
  );
});
lines.on("close", async () => {
  await browser.close().catch(() => {});
  process.exit(0);
});
reply({ id: 0, ok: true, value: "ready" });
