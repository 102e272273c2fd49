// What copying a model into wasm memory costs, apart from any runtime: the same bytes into a
// fresh WebAssembly.Memory (every page faulted in on first touch), then into that memory again.
// This is the floor under any load of a runtime that holds the weights in wasm memory.
//
//   node fresh-memory.mjs [MB]          (default 92: all-MiniLM-L6-v2's model.safetensors)
const megabytes = Number(process.argv[2] ?? 92);
const bytes = megabytes * 1024 * 1024;
const source = new Uint8Array(bytes).fill(7);
const ms = (f) => {
  const start = performance.now();
  f();
  return (performance.now() - start).toFixed(1);
};
for (let round = 0; round < 3; round++) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  memory.grow(Math.ceil(bytes / 65536));
  const fresh = ms(() => new Uint8Array(memory.buffer, 0, bytes).set(source));
  const again = ms(() => new Uint8Array(memory.buffer, 0, bytes).set(source));
  console.log(`${megabytes} MB into a fresh wasm memory: ${fresh} ms; into the same memory again: ${again} ms`);
}
