// The WASI 0.2 imports the wasmicro component needs, for every JavaScript runtime.
//
// The component imports only what Rust's std pulls in (stdio for panic messages, the
// environment, exit, a seed for HashMap): about twenty functions. Implementing exactly those
// here, with nothing but standard JavaScript, lets the same code run in Node, in browsers
// without a bundler or an import map, and in Cloudflare Workers, instead of shipping
// `@bytecodealliance/preview2-shim` and resolving its per-platform builds. `jco transpile`
// names each import in `dist/wasmicro.d.ts` (`ImportObject`); instantiation fails loudly if
// one is missing.

class IoError {
  constructor(message) {
    this.message = message;
  }
  toDebugString() {
    return this.message;
  }
}

class Pollable {
  block() {}
  ready() {
    return true;
  }
}

class InputStream {
  // Stdin is always empty: the component never reads it.
  read() {
    throw { tag: 'closed' };
  }
  blockingRead() {
    throw { tag: 'closed' };
  }
  subscribe() {
    return new Pollable();
  }
}

const decoder = new TextDecoder();

/** An output stream that writes whole lines to a console function. */
class OutputStream {
  constructor(print) {
    this.print = print;
    this.pending = '';
  }
  checkWrite() {
    return 65536n;
  }
  write(contents) {
    this.pending += decoder.decode(contents, { stream: true });
    const end = this.pending.lastIndexOf('\n');
    if (end >= 0) {
      for (const line of this.pending.slice(0, end).split('\n')) this.print(line);
      this.pending = this.pending.slice(end + 1);
    }
  }
  blockingWriteAndFlush(contents) {
    this.write(contents);
    this.flush();
  }
  flush() {
    if (this.pending) this.print(this.pending);
    this.pending = '';
  }
  blockingFlush() {
    this.flush();
  }
  subscribe() {
    return new Pollable();
  }
}

class TerminalInput {}
class TerminalOutput {}

/** Raised by `wasi:cli/exit`: the component ended itself (it never does on purpose). */
export class WasiExit extends Error {
  constructor(status) {
    super(`the component called exit (${status.tag})`);
    this.name = 'WasiExit';
    this.status = status;
  }
}

function seed() {
  const words = new BigUint64Array(2);
  globalThis.crypto.getRandomValues(words);
  return [words[0], words[1]];
}

/** Where the component's output goes unless `load`'s `print` option says otherwise. */
export const defaultPrint = (line) => console.error(`wasmicro: ${line}`);

/**
 * A fresh set of imports for one component instance. `print` receives what the component
 * writes to stdout or stderr, line by line (default: `console.error`).
 */
export function wasiImports(print = defaultPrint) {
  const stdout = new OutputStream(print);
  const stderr = new OutputStream(print);
  return {
    'wasi:cli/environment': { getEnvironment: () => [], getArguments: () => [], initialCwd: () => undefined },
    'wasi:cli/exit': {
      exit(status) {
        throw new WasiExit(status);
      },
    },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/stdin': { getStdin: () => new InputStream() },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll: (list) => new Uint32Array(list.map((_, i) => i)) },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:random/insecure-seed': { insecureSeed: seed },
    'wasi:random/random': {
      getRandomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(Number(n))),
      getRandomU64: () => seed()[0],
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(Number(n))),
      getInsecureRandomU64: () => seed()[0],
    },
  };
}
