// `node scripts/lock-optional.js`: run after `npm install` changes package-lock.json.
//
// The npm registry this project is built from lacks some platform builds that our tools list as
// optional dependencies (darwin/win32/musl builds of workerd, rolldown, jco-node-fs, ...).
// `npm install` leaves those out of the lockfile, and `npm ci` then refuses the lockfile as
// out of sync. This adds each missing optional package as an entry restricted to its own
// platform (os/cpu/libc read from its name), which `npm ci` skips on every other platform; on
// its own platform an optional package that cannot be fetched is only a warning.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;

function platform(name) {
  const n = name.toLowerCase();
  const os = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony']
    .filter((o) => n.includes(o))
    .concat(n.includes('windows') ? ['win32'] : []);
  const cpu = [
    ['arm64', 'arm64'],
    ['aarch64', 'arm64'],
    ['x64', 'x64'],
    ['-64', 'x64'],
    ['ia32', 'ia32'],
    ['riscv64', 'riscv64'],
    ['ppc64', 'ppc64'],
    ['s390x', 's390x'],
    ['loong64', 'loong64'],
    ['wasm32', 'wasm32'],
    ['-arm-', 'arm'],
  ].find(([token]) => n.includes(token))?.[1];
  const libc = n.includes('musl') ? ['musl'] : n.includes('gnu') && os.includes('linux') ? ['glibc'] : undefined;
  if (os.length === 0 && !cpu) return undefined;
  return { ...(os.length ? { os } : {}), ...(cpu ? { cpu: [cpu] } : {}), ...(libc ? { libc } : {}) };
}

/** Where npm would look for `name` from the package at `from` (node_modules/a/node_modules/b). */
function resolves(from, name) {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    if (packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
  }
}

let added = 0;
for (const [from, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolves(from, name)) continue;
    const where = platform(name);
    if (!where || !/^\d+\.\d+\.\d+/.test(spec)) {
      throw new Error(`${from || 'package.json'} -> ${name}@${spec}: missing, and not recognisably one platform's exact build`);
    }
    packages[`node_modules/${name}`] = { version: spec, ...(entry.dev ? { dev: true } : {}), optional: true, ...where };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b, 'en'))); // npm's order
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-optional: added ${added} platform-restricted entries to package-lock.json`);
