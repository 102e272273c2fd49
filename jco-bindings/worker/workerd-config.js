// Writes a workerd config (Cap'n Proto text) that serves worker/src/index.js on 127.0.0.1,
// with the model directory as the MODEL binding (a read-only disk service), no wrangler,
// no account, no telemetry:
//
//   node worker/workerd-config.js [--port 8787] [--model DIR]     (writes worker/.workerd/config.capnp)
//   node_modules/@cloudflare/workerd-linux-64/bin/workerd serve worker/.workerd/config.capnp
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listModelDir } from '../src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIG_PATH = join(root, 'worker', '.workerd', 'config.capnp');

export function defaultModelDir() {
  const cache = process.env.WASMICRO_CACHE || join(homedir(), '.cache', 'wasmicro');
  return process.env.WASMICRO_MODEL || join(cache, 'models', 'all-MiniLM-L6-v2');
}

/**
 * Writes the config to `path` (its `embed` paths are relative to it) and returns the path.
 * Module names keep the package layout, so the modules' relative imports resolve.
 */
export async function writeWorkerdConfig({ port = 8787, modelDir = defaultModelDir(), path = CONFIG_PATH, hub } = {}) {
  const from = (m) => relative(dirname(path), join(root, m));
  // With `hub: { model, endpoint }` the Worker loads the model by hub id from that endpoint
  // (HF_MODEL / HF_ENDPOINT), and may reach loopback addresses (a local mirror).
  const files = hub ? [] : await listModelDir(modelDir);
  const q = (s) => JSON.stringify(s); // Cap'n Proto text strings use the same escapes
  const esm = ['worker/src/index.js', 'src/workerd.js', 'src/index.js', 'src/hub.js', 'src/wasi.js', 'dist/wasmicro.js', 'dist/core-modules.js', 'dist/variants.js'];
  const wasm = readdirSync(join(root, 'dist'))
    .filter((f) => f.endsWith('.wasm'))
    .map((f) => `dist/${f}`);
  const modules = [
    ...esm.map((m) => `      (name = ${q(m)}, esModule = embed ${q(from(m))}),`),
    ...wasm.map((m) => `      (name = ${q(m)}, wasm = embed ${q(from(m))}),`),
  ];
  const text = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "model-files", disk = (path = ${q(resolve(modelDir))}, writable = false)),${
      hub ? '\n    (name = "loopback", network = (allow = ["public", "local"])),' : ''
    }
  ],
  sockets = [(name = "http", address = ${q(`127.0.0.1:${port}`)}, http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
${modules.join('\n')}
  ],
  compatibilityDate = "2026-11-01",${hub ? '\n  globalOutbound = "loopback",' : ''}
  bindings = [
    (name = "MODEL", service = "model-files"),
    (name = "MODEL_FILES", text = ${q(files.join(','))}),${
      hub ? `\n    (name = "HF_MODEL", text = ${q(hub.model)}),\n    (name = "HF_ENDPOINT", text = ${q(hub.endpoint)}),` : ''
    }
  ],
);
`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const path = await writeWorkerdConfig({ port: Number(arg('--port', 8787)), modelDir: arg('--model', defaultModelDir()) });
  console.log(relative(process.cwd(), path));
}
