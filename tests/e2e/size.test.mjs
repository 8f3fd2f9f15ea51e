// The page's download budget: everything a visitor downloads when the page
// opens (index.html, its icon, and in pkg/ the minified script and stylesheet, the wasm and
// its glue) is at most 150 KB gzip. Lessons and the keyboard help's list are fetched only when
// opened and are not counted. Also checks that the glue was built by scripts/build-page.sh
// (without the JSDoc that wasm-bindgen copies from the Rust docs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { root } from './browser.mjs';

const BUDGET = 150_000;

function pageFiles() {
  const inDir = (dir, exts) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true })
      .filter((f) => exts.some((e) => f.endsWith(e)))
      .map((f) => path.join(dir, f));
  // The icon was left out until 2026-12-08, and the page was 102 B over.
  return ['index.html', 'www/icon.svg', ...inDir('pkg', ['.js', '.css', '.wasm'])];
}

test('everything the page downloads fits in 150 KB gzip', () => {
  const files = pageFiles();
  assert.ok(files.includes(path.join('pkg', 'duckduckgoose_bg.wasm')), files.join(', '));
  let total = 0;
  const table = [];
  for (const f of files) {
    const gz = zlib.gzipSync(fs.readFileSync(path.join(root, f)), { level: 9 }).length;
    total += gz;
    table.push(`${f}: ${gz} B`);
  }
  console.log(`${table.join('\n')}\ntotal: ${total} B gzip`);
  assert.ok(total <= BUDGET, `${total} B gzip > ${BUDGET} B:\n${table.join('\n')}`);
});

test('the glue carries no doc comments (scripts/build-page.sh built it)', () => {
  const glue = fs.readFileSync(path.join(root, 'pkg/duckduckgoose.js'), 'utf8');
  assert.ok(glue.includes('export class App'), 'the glue exports App');
  assert.ok(!glue.includes('/**'), 'JSDoc left in pkg/duckduckgoose.js');
});
