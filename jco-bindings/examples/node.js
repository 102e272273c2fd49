// examples/node.js — run: node examples/node.js [MODEL_DIR]
import { Wasmicro, WasmicroError } from 'wasmicro';

const dir = process.argv[2] ?? `${process.env.HOME}/.cache/wasmicro/models/all-MiniLM-L6-v2`;
const model = await Wasmicro.loadFromDir(dir); // config.json, model.safetensors, tokenizer.json, 1_Pooling/…

const docs = ['Photosynthesis turns sunlight into sugar.', 'The Great Wall of China is very long.'];
const [query, ...vectors] = model.embedBatch(['How do plants make food?', ...docs]); // Float32Array[]
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0); // vectors are unit length
for (const [i, v] of vectors.entries()) console.log(dot(query, v).toFixed(4), docs[i]);

try {
  model.generate('Once upon a time'); // an encoder does not generate
} catch (e) {
  if (e instanceof WasmicroError) console.log(`${e.name} (${e.kind}): ${e.message}`);
}
console.log(JSON.stringify(Array.from(model.embed('Hello, world'))));
