// The demo page: load all-MiniLM-L6-v2 from /model/ (or a model by hub id: ?model=org/name), embed the passages, rank them for a query.
const SAMPLE = `Photosynthesis is the process by which green plants use sunlight, water and carbon dioxide to make glucose, releasing oxygen as a by-product. It takes place mostly in the chloroplasts of leaf cells.

The Great Wall of China is a series of fortifications built over many centuries to protect Chinese states against raids from the northern steppe. Its best-known sections date from the Ming dynasty.

A sourdough starter is a mixture of flour and water colonised by wild yeast and lactic acid bacteria. Bakers feed it daily and use part of it to leaven bread, which gives the loaf its tangy flavour.

The Rust programming language guarantees memory safety without a garbage collector, using ownership and borrowing rules that the compiler checks before the program ever runs.

Regular aerobic exercise such as running, cycling or swimming strengthens the heart, lowers blood pressure and improves sleep quality in adults of every age.

The Apollo 11 mission landed the first humans on the Moon in July 1969. Neil Armstrong and Buzz Aldrin spent about two and a half hours walking on the lunar surface.

Interest rates set by a central bank influence how expensive it is to borrow money. When rates rise, mortgages and business loans cost more, which tends to slow inflation.

Honey bees communicate the location of flowers to their hive mates through a waggle dance, whose angle and duration encode the direction and distance of the food source.

Impressionist painters such as Claude Monet tried to capture fleeting light and colour, often painting outdoors with quick, visible brush strokes.

WebAssembly is a portable binary instruction format that lets code written in languages like C, C++ and Rust run in web browsers at near-native speed.

Glaciers form where snow accumulates faster than it melts, compressing over years into dense ice that slowly flows downhill under its own weight.

A balanced diet includes vegetables, fruit, whole grains and protein; limiting sugar and processed food reduces the risk of heart disease and diabetes.`;

const $ = (id) => document.getElementById(id);
const passagesBox = $('passages');
const queryBox = $('query');
const status = $('status');
passagesBox.value = SAMPLE;

const timings = {};
const cache = new Map(); // passage text -> Float32Array
let model;

function showTimings() {
  $('timings').innerHTML = Object.entries(timings)
    .map(([what, ms]) => `<tr><td>${what}</td><td>${ms.toFixed(1)} ms</td></tr>`)
    .join('');
}

const passages = () =>
  passagesBox.value
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);

function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.max(Math.sqrt(na * nb), 1e-30);
}

/** Embeds the passages not seen yet, in one batch. */
function embedPassages() {
  const texts = passages();
  const fresh = texts.filter((t) => !cache.has(t));
  if (fresh.length > 0) {
    const t0 = performance.now();
    model.embedBatch(fresh).forEach((v, i) => cache.set(fresh[i], v));
    const ms = performance.now() - t0;
    timings[`embed ${fresh.length} passages`] = ms;
    timings['per passage'] = ms / fresh.length;
  }
  return texts;
}

function search(query) {
  const texts = embedPassages();
  const t0 = performance.now();
  const q = model.embed(query);
  timings['embed query'] = performance.now() - t0;
  showTimings();
  return texts.map((text) => ({ text, score: cosine(q, cache.get(text)) })).sort((a, b) => b.score - a.score);
}

function render(results) {
  const list = $('results');
  list.replaceChildren(
    ...results.map(({ text, score }, i) => {
      const li = document.createElement('li');
      if (i === 0) li.className = 'top';
      const s = document.createElement('div');
      s.className = 'score';
      s.textContent = score.toFixed(4);
      const body = document.createElement('div');
      const p = document.createElement('div');
      p.className = 'passage';
      p.textContent = text;
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${Math.max(0, score) * 100}%`;
      body.append(p, bar);
      li.append(s, body);
      return li;
    }),
  );
}

function run() {
  const query = queryBox.value.trim();
  if (!query || !model) return;
  try {
    render(search(query));
    status.textContent = `Ranked ${cache.size} passages for “${query}”.`;
    status.className = '';
  } catch (e) {
    status.textContent = `${e.name}: ${e.message}`;
    status.className = 'error';
  }
}

async function main() {
  const t0 = performance.now();
  const { Wasmicro } = await import('wasmicro');
  await Wasmicro.preload();
  timings['import + compile component'] = performance.now() - t0;
  const t1 = performance.now();
  // ?model=org/name[@rev]&endpoint=URL loads by hub id (files kept in the Cache API: a reload
  // fetches no weights); otherwise the model directory demo/serve.js serves under /model/.
  const params = new URLSearchParams(location.search);
  if (params.has('model')) {
    model = await Wasmicro.loadFromHub(params.get('model'), {
      endpoint: params.get('endpoint') ?? undefined,
      onProgress: ({ file, loaded, total }) => {
        status.textContent = `Loading ${file}: ${(loaded / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB`;
      },
    });
  } else {
    const names = await (await fetch('/model/files.json')).json();
    model = await Wasmicro.load(Object.fromEntries(names.map((n) => [n, `/model/${n}`])));
  }
  timings['fetch + load model'] = performance.now() - t1;
  timings['cold start (import + load)'] = performance.now() - t0;
  embedPassages();
  showTimings();
  status.textContent = `Ready: ${model.info.modelType}, ${model.info.numLayers} layers, ${model.info.embeddingSize}-d vectors.`;
  queryBox.disabled = false;
  $('search').disabled = false;
  queryBox.focus();
  document.body.dataset.ready = 'true';
}

queryBox.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') run();
});
$('search').addEventListener('click', run);

// For tests and the console: the same model the page uses.
window.wasmicroDemo = {
  ready: main().catch((e) => {
    status.textContent = `Could not load the model: ${e.name}: ${e.message}`;
    status.className = 'error';
    document.body.dataset.ready = 'error';
    throw e;
  }),
  timings,
  simd: () => model.simd,
  embed: (text) => Array.from(model.embed(text)),
  embedBatch: (texts) => model.embedBatch(texts).map((v) => Array.from(v)),
  /** ms per text, embedding them one at a time (best of `repeat` runs). */
  bench(texts, repeat = 3) {
    let best = Infinity;
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      for (const t of texts) model.embed(t);
      best = Math.min(best, performance.now() - t0);
    }
    return best / texts.length;
  },
};
