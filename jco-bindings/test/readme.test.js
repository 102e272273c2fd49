// The README snippets are the files the other suites run: each fenced block whose first line is
// a comment naming a file (`// examples/node.js`, `<!-- demo/minimal.html`, `# worker/wrangler.toml`)
// is that file, or, when marked "(excerpt)", a verbatim part of it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot, repoRoot } from './support.js';

function snippets(markdown) {
  const blocks = [];
  const fence = /^```[^\n]*\n([\s\S]*?)^```/gm;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) {
    const body = m[1];
    const named = body.match(/^(?:\/\/|<!--|#) ((?:examples|demo|worker|src|test|scripts)\/[\w./-]+)(.*)$/m);
    if (named && body.startsWith(named[0])) blocks.push({ file: named[1], excerpt: named[2].includes('(excerpt)'), body });
  }
  return blocks;
}

for (const readme of [join(packageRoot, 'README.md'), join(repoRoot, 'README.md')]) {
  test(`${readme.slice(repoRoot.length + 1)}: snippets are the files the tests run`, (t) => {
    if (!existsSync(readme)) return t.skip('no such README');
    const blocks = snippets(readFileSync(readme, 'utf8'));
    if (readme.startsWith(packageRoot)) assert.ok(blocks.length >= 4, `only ${blocks.length} named snippets`);
    for (const { file, excerpt, body } of blocks) {
      const text = readFileSync(join(packageRoot, file), 'utf8');
      if (excerpt) {
        // The excerpt marker line itself is not in the file.
        const rest = body.slice(body.indexOf('\n') + 1);
        assert.ok(text.includes(rest), `${file}: the README's excerpt is not in the file`);
      } else {
        assert.equal(body.trimEnd(), text.trimEnd(), `${file}: the README's copy differs from the file`);
      }
    }
  });
}
