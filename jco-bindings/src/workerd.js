// wasmicro for Cloudflare Workers (workerd): the same API, with the component's core modules
// imported statically. Workers refuse to compile wasm bytes at run time; a `.wasm` module
// import is compiled when the Worker is deployed (or when workerd loads its config) and
// arrives as a WebAssembly.Module. `import { Wasmicro } from "wasmicro"` resolves here under
// the "workerd" export condition (wrangler's bundler); `wasmicro/workerd` names it directly.
import coreModules from '../dist/core-modules.js';
import { setCoreModules } from './index.js';

setCoreModules(coreModules);

export * from './index.js';
export { default } from './index.js';
