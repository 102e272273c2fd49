/** @module Interface wasmicro:inference/engine@0.1.0 **/
export function load(files: Array<File>): Model;
export interface File {
  name: string,
  bytes: Uint8Array,
}
export type Error = ErrorMissingFile | ErrorInvalidModel | ErrorInvalidConfig | ErrorInvalidTokenizer | ErrorUnsupportedArchitecture | ErrorUnsupported | ErrorInvalidInput;
export interface ErrorMissingFile {
  tag: 'missing-file',
  val: string,
}
export interface ErrorInvalidModel {
  tag: 'invalid-model',
  val: string,
}
export interface ErrorInvalidConfig {
  tag: 'invalid-config',
  val: string,
}
export interface ErrorInvalidTokenizer {
  tag: 'invalid-tokenizer',
  val: string,
}
export interface ErrorUnsupportedArchitecture {
  tag: 'unsupported-architecture',
  val: string,
}
export interface ErrorUnsupported {
  tag: 'unsupported',
  val: string,
}
export interface ErrorInvalidInput {
  tag: 'invalid-input',
  val: string,
}
/**
 * # Variants
 * 
 * ## `"bert"`
 * 
 * ## `"gpt2"`
 * 
 * ## `"t5"`
 */
export type Family = 'bert' | 'gpt2' | 't5';
/**
 * # Variants
 * 
 * ## `"cls"`
 * 
 * ## `"mean"`
 * 
 * ## `"max"`
 * 
 * ## `"last"`
 */
export type Pooling = 'cls' | 'mean' | 'max' | 'last';
export interface ModelInfo {
  family: Family,
  modelType: string,
  architecture: string,
  hiddenSize: number,
  numLayers: number,
  numHeads: number,
  vocabSize: number,
  maxPositionEmbeddings: number,
  dtype: string,
  embeddingSize: number,
  pooling: Pooling,
  normalize: boolean,
  maxInputTokens: number,
  labels: Array<string>,
}
export interface EmbedOptions {
  pooling?: Pooling,
  normalize?: boolean,
  maxTokens?: number,
  truncate?: boolean,
}
export interface GenerateOptions {
  maxNewTokens?: number,
  temperature?: number,
  topK?: number,
  topP?: number,
  repetitionPenalty?: number,
  seed?: bigint,
  stop: Array<string>,
}
export interface ClassifyOptions {
  topK?: number,
  rawScores: boolean,
}
export interface LabelScore {
  index: number,
  label: string,
  score: number,
}
export interface Ranked {
  index: number,
  score: number,
}
export interface ZeroShotOptions {
  hypothesisTemplate?: string,
  multiLabel: boolean,
}

export class Generation {
  /**
   * This type does not have a public constructor.
   */
  private constructor();
  next(): string | undefined;
}

export class Model {
  /**
   * This type does not have a public constructor.
   */
  private constructor();
  info(): ModelInfo;
  tokenize(text: string, addSpecialTokens: boolean): Uint32Array;
  decode(ids: Uint32Array, skipSpecialTokens: boolean): string;
  embed(text: string, options: EmbedOptions): Float32Array;
  embedBatch(texts: Array<string>, options: EmbedOptions): Array<Float32Array>;
  embedTokens(text: string, options: EmbedOptions): Array<Float32Array>;
  generate(prompt: string, options: GenerateOptions): string;
  generateStream(prompt: string, options: GenerateOptions): Generation;
  classify(text: string, pair: string | undefined, options: ClassifyOptions): Array<LabelScore>;
  rerank(query: string, documents: Array<string>): Array<Ranked>;
  zeroShot(text: string, labels: Array<string>, options: ZeroShotOptions): Array<LabelScore>;
}
