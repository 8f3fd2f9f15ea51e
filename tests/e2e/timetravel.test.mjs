// Time travel, shareable runs and hostile input, end to end: scrubbing shows
// exactly the recorded moments, acting in the past forks, a link and an
// exported file replay the same run (in the page and under `ddg run`), and
// broken links or files leave a working page with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { root, usePage, exec } from './browser.mjs';

const artifacts = path.join(root, 'tests/e2e/artifacts');
const ddg = path.join(root, 'target/release/ddg');
const ctx = usePage({ acceptDownloads: true });

const open = (url) => ctx.open(url);

const status = (page) => page.evaluate(() => window.ddg.status());

/// A paused run advanced in uneven steps with faults, its status recorded
/// after every step.
async function recordRun(page) {
  await exec(page, 'cluster nodes=5 seed=77 loss=2%');
  await page.keyboard.press(' '); // pause
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  const seen = [];
  const steps = ['', '', 'kill goose', '', 'partition n1,n2 | n3,n4,n5', '', '', 'heal', '', 'set prevote=on', '', ''];
  for (const [i, action] of steps.entries()) {
    await exec(page, `run ${173 + i * 61}ms`);
    if (action) await exec(page, action);
    seen.push(await status(page));
  }
  return seen;
}

test('scrubbing back and forth shows exactly the recorded moments', async () => {
  const { page, errors } = await open();
  const seen = await recordRun(page);
  const end = await page.evaluate(() => window.ddg.end());
  assert.equal(end, seen.at(-1).t_us);
  // Drag across the timeline strip with the mouse.
  const strip = page.locator('#timeline');
  const box = await strip.boundingBox();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 8 });
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  const scrubbed = (await status(page)).t_us;
  assert.ok(scrubbed > end * 0.4 && scrubbed < end * 0.8, `scrubbed to ${scrubbed} of ${end}`);
  await page.getByText('replaying').waitFor();
  await page.screenshot({ path: path.join(artifacts, 'time-travel.png') });
  for (const i of [11, 0, 6, 2, 9, 3, 10, 5]) {
    await page.evaluate((t) => window.ddg.seek(t), seen[i].t_us);
    assert.deepEqual(await status(page), seen[i], `moment ${i}`);
  }
  // Back one event and forward again.
  await page.evaluate((t) => window.ddg.seek(t), seen[4].t_us);
  const before = await status(page);
  await page.getByRole('button', { name: 'Back one event' }).click();
  const back = await status(page);
  assert.ok(back.t_us < before.t_us, 'one event back moves the clock back');
  await page.getByRole('button', { name: 'Forward one event' }).click();
  assert.ok((await status(page)).t_us >= back.t_us);
  assert.deepEqual(errors, []);
  await page.close();
});

test('acting in the past forks the run and says so', async () => {
  const { page, errors } = await open();
  const seen = await recordRun(page);
  await page.evaluate((t) => window.ddg.seek(t), seen[5].t_us);
  const alive = seen[5].nodes.find((n) => n.alive && n.role === 'duck').id;
  await page.getByRole('button', { name: `Kill ${alive}`, exact: true }).click();
  await page.locator('#notice', { hasText: 'old future was dropped' }).waitFor();
  assert.equal(await page.evaluate(() => window.ddg.end()), seen[5].t_us);
  const script = await page.evaluate(() => window.ddg.script());
  assert.match(script, new RegExp(`kill ${alive}\\n`));
  assert.doesNotMatch(script, /prevote=on/, 'the old future is gone');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a shared link replays the same run at the same moment, and so does ddg run', async () => {
  const { page, errors } = await open();
  const seen = await recordRun(page);
  await page.evaluate((t) => window.ddg.seek(t), seen[7].t_us);
  await page.getByRole('button', { name: 'Copy link' }).click();
  const link = await page.evaluate(() => window.ddg.link());
  assert.ok(link.includes('#t='), link);
  assert.equal(await page.locator('#share-link').inputValue(), link);
  const script = await page.evaluate(() => window.ddg.script());
  await page.close();

  const other = await open(link);
  assert.deepEqual(await status(other.page), seen[7], 'same moment in a fresh page');
  await other.page.evaluate(() => window.ddg.seek(window.ddg.end()));
  assert.deepEqual(await status(other.page), seen.at(-1), 'same end');
  assert.deepEqual(other.errors, []);
  await other.page.close();

  // The CLI replays the exported run to the same status.
  const out = execFileSync(ddg, ['run', '-'], { input: `${script}status\n` }).toString().trim();
  assert.deepEqual(JSON.parse(out), seen.at(-1));
  assert.deepEqual(errors, []);
});

test('export and import a .ddg file, by the file picker and by drag and drop', async () => {
  const { page, errors } = await open();
  const seen = await recordRun(page);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export .ddg' }).click();
  const file = path.join(artifacts, 'exported.ddg');
  await (await download).saveAs(file);
  const text = fs.readFileSync(file, 'utf8');
  assert.equal(text, await page.evaluate(() => window.ddg.script()));
  await page.close();

  const picked = await open();
  await picked.page.locator('#import').setInputFiles(file);
  await picked.page.waitForFunction((t) => window.ddg.status().t_us === t, seen.at(-1).t_us);
  assert.deepEqual(await status(picked.page), seen.at(-1));
  await picked.page.close();

  const dropped = await open();
  await dropped.page.evaluate((t) => {
    const data = new DataTransfer();
    data.items.add(new File([t], 'run.ddg', { type: 'text/plain' }));
    document.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, text);
  await dropped.page.waitForFunction((t) => window.ddg.status().t_us === t, seen.at(-1).t_us);
  assert.deepEqual(await status(dropped.page), seen.at(-1));
  assert.deepEqual([...errors, ...picked.errors, ...dropped.errors], []);
  await dropped.page.close();
});

test('hostile links and files give a clear message and a working page', async () => {
  const cases = [
    ['#%%%garbage', 'could not be opened'],
    ['#run=cluster_seed=99999999999999999999999', 'whole number'],
    ['#run=cluster_nodes=10000', '1 to 101 nodes'],
    ['#run=cluster;frobnicate_now', 'unknown command'],
    ['#run=cluster_nodes=101;run_20000s', 'more than 5000000 events'],
    ['#evil=1', 'does not know'],
    ['#lesson=no-such-lesson', 'no lesson called'],
    [`#run=${'a'.repeat(1536 * 1024)}`, 'at most 1024 KB'], // Chromium opens URLs up to 2 MB
  ];
  // The bound: a refused link answers within a minute even on a loaded
  // 2-core machine (quiet, the 5,000,000-event cap takes a few seconds);
  // without the cap, `run_20000s` at 101 nodes would run for many minutes.
  const bound = 60000;
  for (const [fragment, why] of cases) {
    const started = Date.now();
    const { page, errors } = await open(ctx.server.url + fragment);
    await page.locator('#notice', { hasText: why }).waitFor({ timeout: bound });
    assert.ok(Date.now() - started < bound, `${fragment.slice(0, 40)} took ${Date.now() - started}ms`);
    // A working default page: a goose appears at real time.
    await page.locator('#in-speed').fill('0');
    await page.waitForFunction(() => window.ddg.status().nodes.filter((n) => n.role === 'goose').length === 1, null, {
      timeout: 20000,
    });
    assert.deepEqual(errors, [], fragment.slice(0, 40));
    await page.close();
  }
  // A 5 MB file and a file of nonsense; an enormous run through the API.
  const { page, errors } = await open();
  const started = Date.now();
  await exec(page, 'cluster nodes=101 seed=1');
  await exec(page, 'run 86400s');
  assert.ok(Date.now() - started < bound, `run 86400s took ${Date.now() - started}ms`);
  await page.locator('#notice', { hasText: 'at most 5000000 events' }).waitFor();
  await exec(page, 'cluster');
  const big = path.join(os.tmpdir(), 'ddg-big.ddg');
  fs.writeFileSync(big, `cluster\n${'heal\n'.repeat(1024 * 1024)}`);
  await page.locator('#import').setInputFiles(big);
  await page.locator('#notice', { hasText: 'at most 1024 KB' }).waitFor();
  const junk = path.join(os.tmpdir(), 'ddg-junk.ddg');
  fs.writeFileSync(junk, 'this is not a scenario\n');
  await page.locator('#import').setInputFiles(junk);
  await page.locator('#notice', { hasText: 'line 1: unknown command' }).waitFor();
  assert.equal((await status(page)).nodes.length, 5, 'the page kept its run');
  await page.screenshot({ path: path.join(artifacts, 'hostile-input.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
