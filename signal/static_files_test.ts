import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { contentTypeFor, createStaticHandler, safeSegments } from "./static_files.ts";

// A committed fixture (tests run without write permission). It holds a dotfile, a symlink that
// stays inside the root and one that points outside it, to ../outside/secret.txt.
const root = fileURLToPath(new URL("./testdata/static_root", import.meta.url));
const fixtureText = (path: string) => Deno.readTextFile(`${root}/${path}`);
const handler = createStaticHandler(root);
const get = (path: string, init?: RequestInit) => handler(new Request(`http://x${path}`, init));

Deno.test("files are served with their content type", async () => {
  const index = await get("/");
  assert.equal(index.status, 200);
  assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(index.headers.get("cache-control"), "no-cache");
  assert.equal(await index.text(), await fixtureText("index.html"));
  const js = await get("/app.js");
  const source = await fixtureText("app.js");
  assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(js.headers.get("content-length"), String(source.length));
  assert.equal(await js.text(), source);
  const css = await get("/assets/main-abc123.css");
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.match(css.headers.get("cache-control")!, /immutable/);
  await css.body?.cancel();
  const bin = await get("/data.bin");
  assert.equal(bin.headers.get("content-type"), "application/octet-stream");
  assert.equal(bin.headers.get("x-content-type-options"), "nosniff");
  await bin.body?.cancel();
});

Deno.test("directories redirect to a trailing slash and serve their index.html", async () => {
  const redirect = await get("/sub");
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get("location"), "/sub/");
  assert.equal(await (await get("/sub/")).text(), await fixtureText("sub/index.html"));
  const noIndex = await get("/assets/");
  assert.equal(noIndex.status, 404);
  await noIndex.body?.cancel();
});

Deno.test("missing files are 404", async () => {
  for (const path of ["/nope.js", "/assets/nope.css", "/sub/deeper/x"]) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("no path leaves the root: traversal, encodings, dotfiles, outward symlinks", async () => {
  const attempts = [
    "/%2e%2e/outside/secret.txt",
    "/..%2Foutside%2Fsecret.txt",
    "/assets/..%2F..%2Foutside%2Fsecret.txt",
    "/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/%2e%2e%2f%2e%2e%2fetc/passwd",
    "/..%5C..%5Cetc%5Cpasswd",
    "/app.js%00.html",
    "/.env",
    "/%2eenv",
    "//etc/passwd",
    "/%E0%A4%A",
    "/escape.txt",
  ];
  for (const path of attempts) {
    const res = await get(path);
    const body = await res.text();
    assert.equal(res.status, 404, path);
    assert.equal(/secret|root:/i.test(body), false, path);
  }
  // The fixture really has what the attempts were after, so the 404s above are refusals.
  assert.match(await fixtureText("escape.txt"), /secret/);
  assert.match(await fixtureText(".env"), /SECRET/);
  // A symlink that stays inside the root is fine.
  assert.equal(await (await get("/alias.js")).text(), await fixtureText("app.js"));
});

Deno.test("HEAD has headers only; other methods get 405", async () => {
  const head = await get("/app.js", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String((await fixtureText("app.js")).length));
  assert.equal(head.body, null);
  const post = await get("/app.js", { method: "POST", body: "x" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

Deno.test("a matching ETag gets 304", async () => {
  const first = await get("/app.js");
  const etag = first.headers.get("etag")!;
  await first.body?.cancel();
  assert.match(etag, /^W\/"/);
  const again = await get("/app.js", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body, null);
});

Deno.test("a missing root answers 404 with a hint to build", async () => {
  const res = await createStaticHandler(`${root}/not-built`)(new Request("http://x/"));
  assert.equal(res.status, 404);
  assert.match(await res.text(), /npm run build/);
});

Deno.test("safeSegments and contentTypeFor", () => {
  assert.deepEqual(safeSegments("/a/b.js"), ["a", "b.js"]);
  assert.deepEqual(safeSegments("/"), [""]);
  assert.deepEqual(safeSegments("/a%20b.png"), ["a b.png"]);
  assert.equal(safeSegments("/a/../b"), null);
  assert.equal(safeSegments("/a/./b"), null);
  assert.equal(contentTypeFor("x.WASM"), "application/wasm");
  assert.equal(contentTypeFor("Makefile"), "application/octet-stream");
});
