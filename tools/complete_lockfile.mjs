// Adds the lock entries npm leaves out for other platforms' optional native packages.
//
// Why: when the registry npm talks to does not serve a platform build (e.g. a mirror holding only
// linux-x64), `npm install` writes a lock without entries for darwin/win32 builds, and `npm ci`
// then refuses the lock as "out of sync". An entry with `os`/`cpu` and no tarball lets `npm ci`
// skip the package here and fetch it on the platform that needs it. Idempotent; .ci/run runs it.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
const added = [];
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    if (packages[`${path}/node_modules/${name}`] || packages[`node_modules/${name}`]) continue;
    const platform = name.match(/(darwin|linux|win32|freebsd|android)-(x64|arm64|arm|ia32)/);
    if (!platform) continue;
    packages[`node_modules/${name}`] = {
      version: String(range).replace(/^[\^~=]/, ""),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [platform[1]],
      cpu: [platform[2]],
    };
    added.push(`${name}@${packages[`node_modules/${name}`].version}`);
  }
}
if (added.length > 0) {
  writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
  console.log(`complete_lockfile: added ${added.join(", ")}`);
}
