// A tiny static server for the demo: no bundler, no dependencies.
//
//   node demo/serve.js [--port 8080] [--model DIR]     then open http://127.0.0.1:8080/
//
// Serves demo/, src/ and dist/ of this package, and the model directory under /model/
// (/model/files.json lists the files `readModelDir` picks, as the Rust host does). Listens on
// 127.0.0.1 only.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { homedir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listModelDir } from '../src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

export function defaultModelDir() {
  const cache = process.env.WASMICRO_CACHE || join(homedir(), '.cache', 'wasmicro');
  return process.env.WASMICRO_MODEL || join(cache, 'models', 'all-MiniLM-L6-v2');
}

/** Starts the server; resolves to `{ url, close() }`. Port 0 picks a free one. */
export async function startServer({ port = 0, modelDir = defaultModelDir() } = {}) {
  // Each request streams its file from disk.
  const modelFiles = await listModelDir(modelDir);
  const served = new Set(modelFiles);

  const send = (res, status, body, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const sendFile = (res, path) => {
    const size = statSync(path).size;
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-store',
    });
    createReadStream(path).pipe(res);
  };

  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    if (path === '/') {
      res.writeHead(302, { location: '/demo/' });
      return res.end();
    }
    if (path === '/model/files.json') return send(res, 200, JSON.stringify(modelFiles), TYPES['.json']);
    if (path.startsWith('/model/')) {
      const name = path.slice('/model/'.length);
      return served.has(name) ? sendFile(res, join(modelDir, name)) : send(res, 404, 'not found');
    }
    const top = path.split('/')[1];
    if (!['demo', 'src', 'dist'].includes(top)) return send(res, 404, 'not found');
    let file = normalize(join(root, path));
    if (!file.startsWith(root + sep)) return send(res, 403, 'forbidden');
    if (path.endsWith('/')) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'not found');
    sendFile(res, file);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : fallback;
  };
  const { url } = await startServer({ port: Number(arg('--port', 8080)), modelDir: arg('--model', defaultModelDir()) });
  console.log(`wasmicro demo: ${url}  (Ctrl-C stops it)`);
}
