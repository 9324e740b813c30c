import assert from "node:assert/strict";
import { entrySource, GAME_IMPORTS, gzipSize, inputGroup, sizeEntries } from "./client_size.ts";

Deno.test("the client entry is game/net/mod.ts once it exists, the two-module stand-in before", () => {
  const before = sizeEntries((p) => p === "game/main.ts");
  assert.deepEqual(before.find((e) => e.role === "client")!.modules, [
    "game/net/match_connection.ts",
    "game/net/sessions/p2p_session.ts",
  ]);
  assert.equal(before.find((e) => e.role === "example")!.modules[0], "game/main.ts");
  const after = sizeEntries((p) =>
    p === "game/net/mod.ts" || p === "game/examples/air_hockey/main.ts"
  );
  assert.deepEqual(after.find((e) => e.role === "client")!.modules, ["game/net/mod.ts"]);
  assert.equal(
    after.find((e) => e.role === "example")!.modules[0],
    "game/examples/air_hockey/main.ts",
  );
});

Deno.test("the stdin entry re-exports every module under its own name, packages bare", () => {
  assert.equal(
    entrySource(["game/net/a.ts", "peerjs"]),
    'export * as m0 from "./game/net/a.ts";\nexport * as m1 from "peerjs";',
  );
});

Deno.test("bundle inputs group by package, scoped packages included, files by path", () => {
  assert.equal(inputGroup("node_modules/msgpackr/dist/index.js"), "msgpackr");
  assert.equal(inputGroup("node_modules/@scope/pkg/x.js"), "@scope/pkg");
  assert.equal(inputGroup("game/net/peer_connection.ts"), "game/net/peer_connection.ts");
});

Deno.test("gzip shrinks repetitive text and reports a real byte count", async () => {
  const text = new TextEncoder().encode("duet ".repeat(1000));
  const n = await gzipSize(text);
  assert.ok(n > 18 && n < 200, `gzip size ${n}`);
});

Deno.test("a game's named imports are measured beside the client entry, from their own text", () => {
  const entries = sizeEntries(() => true);
  const imports = entries.filter((e) => e.role === "import");
  assert.deepEqual(imports, GAME_IMPORTS.map((g) => ({ role: "import", ...g })));
  assert.match(imports[0].source!, /export \{ connectLobby, runMatch \} from "duet-netcode"/);
  assert.deepEqual(entries.map((e) => e.role).slice(0, 3), ["client", "import", "import"]);
  // Before game/net/mod.ts exists there is no package specifier to import from.
  assert.equal(sizeEntries((p) => p === "game/main.ts").some((e) => e.role === "import"), false);
});

Deno.test("the canvas quick start's measured imports are the ones its sources have", async () => {
  const text =
    await Deno.readTextFile(new URL("../game/examples/canvas/main.ts", import.meta.url)) +
    await Deno.readTextFile(new URL("../game/examples/canvas/pong.ts", import.meta.url));
  const named = (line: RegExpMatchArray) =>
    line[1].split(",").map((x) => x.trim()).filter((x) => x && !x.startsWith("type "));
  const want = [...text.matchAll(/import \{([^}]*)\} from "duet-netcode(?:\/ui)?"/g)]
    .flatMap(named).sort();
  const got = [...GAME_IMPORTS[1].source.matchAll(/export \{([^}]*)\}/g)].flatMap(named).sort();
  assert.deepEqual(got, want);
});
