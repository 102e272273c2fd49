// The test mirror of the Hugging Face hub (tests/hub_mirror.py, Python stdlib only), started on
// 127.0.0.1 for one suite and killed afterwards, also when the suite fails.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './support.js';

/** Starts the mirror; resolves to `{ url, requests(), fault(), reset(), stop() }`. */
export async function startMirror() {
  const script = process.env.WASMICRO_HUB_MIRROR || join(repoRoot, 'tests', 'hub_mirror.py');
  const child = spawn(process.env.PYTHON || 'python3', [script, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  // A test runner that dies must not leave the mirror behind.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the mirror printed no address within 20 s:\n${log}`)), 20_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /^MIRROR (http:\/\/127\.0\.0\.1:\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the mirror exited (${code}):\n${log}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }
  child.stdout.resume();
  const control = async (path, body) => {
    const res = await fetch(`${url}/_control/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`mirror ${path}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    url,
    /** `{ path: count }` of the requests served since the last reset. */
    requests: () => control('requests'),
    /** Every request since the last reset: `{ method, path, status, range, authorization, listener }`. */
    log: () => control('log'),
    /** Breaks the next `times` requests of `path`: "drop", "truncate", "bad-etag", or "slow" (late). */
    fault: (path, kind, times = 1) => control('fault', { path, kind, times }),
    reset: () => control('reset', {}),
    stop: async () => {
      process.off('exit', onExit);
      await stop();
    },
  };
}
