// A tiny GPT-2 checkpoint made in JavaScript (seeded weights, byte-level BPE vocabulary of the
// 256 bytes plus a few merges), so the generation paths (`generate`, `generate-stream` +
// `generation.next`) are exercised in every runtime without fetching a real decoder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the rest from U+0100 on. */
function byteChars() {
  const printable = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const chars = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) chars[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return chars;
}

function safetensors(tensors) {
  const header = {};
  let offset = 0;
  for (const [name, { shape, data }] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8); // f32 data aligned
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const { data } of Object.values(tensors)) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/** The files of the checkpoint: `Map<name, Uint8Array>`. */
export function tinyGpt2() {
  const chars = byteChars();
  const vocab = {};
  chars.forEach((c, i) => (vocab[c] = i));
  const G = chars[0x20]; // 'Ġ', the space
  const merges = [['h', 'e'], ['l', 'l'], [G, 't'], ['t', 'he'], ['o', 'n']];
  for (const [a, b] of merges) vocab[a + b] = Object.keys(vocab).length;
  const eos = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = eos;
  const [nVocab, nPos, nEmbd, nLayer, nHead, nInner] = [eos + 1, 64, 16, 2, 2, 32];

  let state = 0x9e3779b9;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32 - 0.5;
  };
  const tensor = (shape, scale = 0.4, offset = 0) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = offset + random() * scale;
    return { shape, data };
  };
  const tensors = { 'wte.weight': tensor([nVocab, nEmbd], 1), 'wpe.weight': tensor([nPos, nEmbd], 0.2) };
  for (let i = 0; i < nLayer; i++) {
    const l = `h.${i}`;
    Object.assign(tensors, {
      [`${l}.ln_1.weight`]: tensor([nEmbd], 0.2, 1),
      [`${l}.ln_1.bias`]: tensor([nEmbd], 0.1),
      [`${l}.attn.c_attn.weight`]: tensor([nEmbd, 3 * nEmbd]),
      [`${l}.attn.c_attn.bias`]: tensor([3 * nEmbd], 0.1),
      [`${l}.attn.c_proj.weight`]: tensor([nEmbd, nEmbd]),
      [`${l}.attn.c_proj.bias`]: tensor([nEmbd], 0.1),
      [`${l}.ln_2.weight`]: tensor([nEmbd], 0.2, 1),
      [`${l}.ln_2.bias`]: tensor([nEmbd], 0.1),
      [`${l}.mlp.c_fc.weight`]: tensor([nEmbd, nInner]),
      [`${l}.mlp.c_fc.bias`]: tensor([nInner], 0.1),
      [`${l}.mlp.c_proj.weight`]: tensor([nInner, nEmbd]),
      [`${l}.mlp.c_proj.bias`]: tensor([nEmbd], 0.1),
    });
  }
  Object.assign(tensors, { 'ln_f.weight': tensor([nEmbd], 0.2, 1), 'ln_f.bias': tensor([nEmbd], 0.1) });

  const config = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: nVocab,
    n_positions: nPos,
    n_embd: nEmbd,
    n_layer: nLayer,
    n_head: nHead,
    n_inner: nInner,
    activation_function: 'gelu_new',
    layer_norm_epsilon: 1e-5,
    bos_token_id: eos,
    eos_token_id: eos,
  };
  const text = (s) => new TextEncoder().encode(s);
  return new Map([
    ['config.json', text(JSON.stringify(config, null, 2))],
    ['vocab.json', text(JSON.stringify(vocab))],
    ['merges.txt', text(`#version: 0.2\n${merges.map((m) => m.join(' ')).join('\n')}\n`)],
    ['model.safetensors', safetensors(tensors)],
  ]);
}

/** Writes the checkpoint into `dir` (for runtimes that read a directory). */
export function writeTinyGpt2(dir) {
  for (const [name, bytes] of tinyGpt2()) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), bytes);
  }
  return dir;
}
