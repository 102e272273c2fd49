// Type-checked by `npm run typecheck` (tsc, never run): the README's snippets compile against
// src/index.d.ts, and its types agree with what jco generates from wit/wasmicro.wit.
import type * as Wit from '../dist/interfaces/wasmicro-inference-engine.js';
import Wasmicro, {
  fetchHubFiles,
  HubError,
  type HubFiles,
  InvalidInputError,
  type ClassifyOptions,
  type EmbedOptions,
  type GenerateOptions,
  type LabelScore,
  type Model,
  type ModelInfo,
  type Ranked,
  UnsupportedError,
  WasmicroError,
} from '../src/index.js';

// Each WIT type, as jco renders it, fits ours, and ours fit the WIT's where they are inputs.
type Assignable<From, To> = From extends To ? true : false;
const checks: [
  Assignable<Wit.ModelInfo, ModelInfo>,
  Assignable<EmbedOptions, Wit.EmbedOptions>,
  Assignable<Wit.LabelScore, LabelScore>,
  Assignable<Wit.Ranked, Ranked>,
  Assignable<Wit.Error['tag'], WasmicroError['kind']>,
  Assignable<ReturnType<Wit.Model['embed']>, ReturnType<Model['embed']>>,
  Assignable<ReturnType<Wit.Model['embedBatch']>, ReturnType<Model['embedBatch']>>,
  Assignable<ReturnType<Wit.Model['tokenize']>, ReturnType<Model['tokenize']>>,
  Assignable<ReturnType<Wit.Model['nextTokenLogits']>, ReturnType<Model['nextTokenLogits']>>,
  Assignable<Omit<ClassifyOptions, 'pair'>, Partial<Wit.ClassifyOptions>>,
] = [true, true, true, true, true, true, true, true, true, true];
void checks;

export async function usage(files: Record<string, Uint8Array>): Promise<number> {
  const model: Model = await Wasmicro.load({ ...files, 'config.json': 'https://example.com/config.json' });
  const fromDisk = await Wasmicro.loadFromDir('/models/all-MiniLM-L6-v2');
  const v: Float32Array = model.embed('Hello, world', { maxTokens: 128 });
  const vs: Float32Array[] = fromDisk.embedBatch(['a', 'b'], { pooling: 'mean', normalize: true });
  const ids: Uint32Array = model.tokenize('Hello', { addSpecialTokens: false });
  const text: string = model.decode(ids, { skipSpecialTokens: true });
  const options: GenerateOptions = { maxNewTokens: 8, seed: 7, stop: ['\n'] };
  try {
    model.generate('Once', options);
    for await (const chunk of model.stream('Once', options)) console.log(chunk.toUpperCase());
  } catch (e) {
    if (e instanceof UnsupportedError) console.log(e.kind satisfies 'unsupported');
    else if (e instanceof InvalidInputError) console.log(e.message);
    else if (e instanceof WasmicroError) console.log(e.kind);
  }
  const hub = await Wasmicro.loadFromHub('sentence-transformers/all-MiniLM-L6-v2@main', {
    endpoint: 'http://127.0.0.1:8080',
    token: false,
    onProgress: ({ file, loaded, total }) => console.log(file, loaded, total ?? '?'),
  });
  try {
    await Wasmicro.loadFromHub('org/name', { bucket: { get: async () => null }, offline: true, cache: 'wasmicro-hub' });
  } catch (e) {
    if (e instanceof HubError) console.log(e.status satisfies number | undefined, e.kind satisfies 'hub');
  }
  const { files: hubFiles, commit }: HubFiles = await fetchHubFiles('org/name', { cacheDir: '/tmp/hub', retries: 2 });
  console.log(hub.info.family, hubFiles.size, commit);
  const info: ModelInfo = model.info;
  model.dispose();
  return v.length + vs.length + text.length + info.embeddingSize;
}
