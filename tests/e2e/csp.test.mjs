// The page under its Content-Security-Policy (a <meta> in index.html: only
// 'self', plus 'wasm-unsafe-eval' for the module): the page, a lesson, export
// and import work with no violation reported. Live mode is checked under the
// same policy in live.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, usePage } from './browser.mjs';
import { openWatched } from './csp.mjs';

const artifacts = path.join(root, 'tests/e2e/artifacts');
const ctx = usePage();

test('the page declares its policy: self, wasm-unsafe-eval, nothing else', () => {
  const html = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
  assert.ok(meta, 'a CSP meta element');
  assert.equal(meta[1], "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; base-uri 'self'; form-action 'self'");
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.doesNotMatch(html, /<style|\sstyle="|\son[a-z]+="/, 'no inline style or handler');
});

test('the page, a lesson, export and import run with no policy violation', async () => {
  const { page, violations } = await openWatched(ctx.browser, `${ctx.server.url}#lesson=01-first-election`,
    { acceptDownloads: true });
  await page.locator('#lesson-title', { hasText: 'step 1 of' }).waitFor();
  await page.getByRole('button', { name: 'Next ▸' }).click();
  await page.locator('#lesson-title', { hasText: 'step 2 of' }).waitFor({ timeout: 20000 });
  await page.evaluate(() => window.ddg.exec('cluster nodes=3 seed=5'));
  await page.evaluate(() => window.ddg.exec('run 2s'));
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export .ddg' }).click();
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, 'csp-exported.ddg');
  await (await download).saveAs(file);
  assert.match(fs.readFileSync(file, 'utf8'), /cluster nodes=3 seed=5/);
  await page.evaluate(() => window.ddg.exec('cluster nodes=5 seed=9'));
  await page.locator('#import').setInputFiles(file);
  await page.waitForFunction(() => window.ddg.status().nodes.length === 3);
  // The settings form: Enter submits nothing (its handler lives in main.js
  // now, not in an inline attribute): the page is not reloaded.
  await page.evaluate(() => { window.__stayed = true; });
  await page.locator('#in-seed').press('Enter');
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__stayed), true);
  assert.deepEqual(await violations(), []);
});
