// The page, end to end: it loads without console errors, elects a goose,
// obeys the node list's buttons, refuses bad settings inline, answers
// window.ddg, and works under a sub-path. Screenshots go to artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { root, usePage } from './browser.mjs';

const artifacts = path.join(root, 'tests/e2e/artifacts');
const ctx = usePage();

const open = (url) => ctx.open(url);

const status = (page) => page.evaluate(() => window.ddg.status());
const geese = (s) => s.nodes.filter((n) => n.role === 'goose').map((n) => n.id);

/// Plays at real time (speed slider to the left end) so elections take
/// a fraction of a second of wall time.
async function realTime(page) {
  await page.locator('#in-speed').fill('0');
}

async function waitForGoose(page, not = null) {
  await page.waitForFunction(
    (old) => {
      const g = window.ddg.status().nodes.filter((n) => n.role === 'goose');
      return g.length === 1 && g[0].id !== old;
    },
    not,
    { timeout: 20000 },
  );
  return geese(await status(page))[0];
}

test('the page loads without console errors and a goose appears', async () => {
  const { page, errors } = await open();
  await realTime(page);
  const goose = await waitForGoose(page);
  assert.match(goose, /^n[1-5]$/);
  await assert.doesNotReject(page.getByText(`goose: ${goose}`).waitFor());
  await page.screenshot({ path: path.join(artifacts, 'first-goose.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('killing the goose from the node list elects a new goose; reviving brings it back as a duck', async () => {
  const { page, errors } = await open();
  await realTime(page);
  const first = await waitForGoose(page);
  await page.getByRole('button', { name: `Kill ${first}`, exact: true }).click();
  const second = await waitForGoose(page, first);
  assert.notEqual(second, first);
  let s = await status(page);
  assert.equal(s.nodes.find((n) => n.id === first).role, 'dead');
  await page.screenshot({ path: path.join(artifacts, 'new-goose.png') });

  await page.getByRole('button', { name: `Revive ${first}`, exact: true }).click();
  await page.waitForFunction(
    ([old, now]) => {
      const n = window.ddg.status().nodes.find((x) => x.id === old);
      return n.alive && n.role === 'duck' && n.leader === now;
    },
    [first, second],
    { timeout: 20000 },
  );
  s = await status(page);
  assert.deepEqual(geese(s), [second], 'the revived goose is a duck');
  assert.deepEqual(errors, []);
  await page.close();
});

test('impossible settings get an inline message and the run keeps its last good settings', async () => {
  const { page, errors } = await open();
  const min = page.getByLabel('Election timeout min');
  for (const [text, why] of [
    ['400', 'must not be above the maximum'],
    ['abc', 'is not a number'],
    ['', 'enter a number'],
    ['-5', 'must not be negative'],
  ]) {
    await min.fill(text);
    await min.press('Tab');
    await assert.doesNotReject(page.locator('#msg-election-min', { hasText: why }).waitFor({ timeout: 5000 }));
  }
  await page.getByLabel('Message loss (%)').fill('150');
  await page.getByLabel('Message loss (%)').press('Tab');
  await page.locator('#msg-loss', { hasText: 'above 100%' }).waitFor();
  // The run still uses the defaults and still runs.
  const stats = await page.evaluate(() => window.ddg.exec('stats'));
  const t0 = (await status(page)).t_us;
  await page.waitForTimeout(400);
  assert.ok((await status(page)).t_us > t0, 'the clock still moves');
  await assert.doesNotReject(page.evaluate(() => window.ddg.exec('expect t > 0us')));
  assert.equal(stats.violation_count, 0);
  // A good value is taken and clears the message.
  await min.fill('160');
  await min.press('Tab');
  await page.waitForFunction(() => document.getElementById('msg-election-min').textContent === '');
  await page.screenshot({ path: path.join(artifacts, 'settings.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('window.ddg.exec runs scenario lines and throws the CLI message on a bad one', async () => {
  const { page, errors } = await open();
  await page.evaluate(() => window.ddg.exec('cluster nodes=3 seed=42'));
  await page.evaluate(() => window.ddg.exec('run 2s'));
  const s = await page.evaluate(() => window.ddg.exec('status'));
  assert.equal(s.nodes.length, 3);
  assert.ok(s.t_us >= 2000000);
  assert.equal(geese(s).length, 1);
  const goose = geese(s)[0];
  await page.evaluate(() => window.ddg.exec('kill goose'));
  const after = await page.evaluate(() => window.ddg.status());
  assert.equal(after.nodes.find((n) => n.id === goose).role, 'dead');
  const message = await page.evaluate(() => {
    try {
      window.ddg.exec('frobnicate now');
      return 'no error';
    } catch (e) {
      return `${e instanceof Error}: ${e.message}`;
    }
  });
  assert.match(message, /^true: error: line 1: unknown command `frobnicate`/);
  const bad = await page.evaluate(() => {
    try {
      window.ddg.exec('kill n9');
    } catch (e) {
      return e.message;
    }
  });
  assert.equal(bad, 'error: line 1: `n9` does not exist: the cluster has 3 nodes (n1 to n3)');
  const stats = await page.evaluate(() => window.ddg.exec('stats'));
  assert.equal(stats.seed, 42);
  assert.ok(stats.elections_won >= 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the node count control adds a member live; Reset starts a fresh run with the other settings kept', async () => {
  const { page, errors } = await open();
  await page.getByLabel('Election timeout max').fill('400');
  await page.getByLabel('Election timeout max').press('Tab');
  await realTime(page);
  await waitForGoose(page);
  await page.evaluate(() => window.ddg.exec('run 200ms'));
  await page.getByLabel('Number of nodes').fill('6');
  await page.getByLabel('Number of nodes').press('Tab');
  await page.waitForFunction(() => window.ddg.status().nodes.length === 6);
  await page.getByRole('button', { name: 'Kill n6', exact: true }).waitFor();
  await page.waitForFunction(() => window.ddg.status().nodes[5].member !== false);
  await page.getByRole('button', { name: 'Reset' }).click();
  await page.waitForFunction(() => window.ddg.status().nodes.length === 6);
  await assert.doesNotReject(page.evaluate(() => window.ddg.exec('expect t < 1s')));
  await page.getByLabel('Number of nodes').fill('16');
  await page.getByLabel('Number of nodes').press('Tab');
  await page.locator('#msg-nodes', { hasText: 'from 1 to 15' }).waitFor();
  assert.equal((await status(page)).nodes.length, 6);
  const max = await page.getByLabel('Election timeout max').inputValue();
  assert.equal(max, '400');
  assert.deepEqual(errors, []);
  await page.close();
});

test('keyboard: ? opens the help, space pauses, digits inspect a node', async () => {
  const { page, errors } = await open();
  await page.locator('body').press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor();
  // Its list is fetched when it first opens (not in the first download).
  await help.getByText('play or pause').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  // Closing the dialog gives focus back to where it was; Space is the
  // page's key only when no control has focus (on a button it presses it).
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  const t0 = (await status(page)).t_us;
  await page.waitForTimeout(300);
  assert.equal((await status(page)).t_us, t0, 'paused');
  await page.keyboard.press('3');
  await page.locator('#inspector-body h3', { hasText: 'n3' }).waitFor();
  await page.keyboard.press('.');
  assert.ok((await status(page)).t_us > t0, 'step runs the next event');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the page works from a sub-path of any static host', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddg-host-'));
  fs.mkdirSync(path.join(dir, 'courses'));
  fs.symlinkSync(root, path.join(dir, 'courses', 'raft'));
  const { spawn } = await import('node:child_process');
  const port = 20000 + Math.floor(Math.random() * 20000);
  const host = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], { cwd: dir, stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 700));
    const { page, errors } = await open(`http://127.0.0.1:${port}/courses/raft/`);
    await realTime(page);
    await waitForGoose(page);
    // Lessons are fetched beside the page's script, so they open here too.
    await page.goto(`http://127.0.0.1:${port}/courses/raft/#lesson=01-first-election`);
    await page.locator('#lesson-title', { hasText: 'The first election — step 1 of' }).waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    host.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('dragging across the canvas cuts the network in two', async () => {
  const { page, errors } = await open();
  await page.evaluate(() => window.ddg.exec('cluster nodes=6 seed=5'));
  await page.keyboard.press(' ');
  const canvas = page.locator('#canvas');
  const box = await canvas.boundingBox();
  // A vertical cut through the middle of the ring: three birds on each side.
  await page.mouse.move(box.x + box.width / 2 + 3, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 3, box.y + box.height - 10, { steps: 10 });
  await page.mouse.up();
  const script = await page.evaluate(() => window.ddg.script());
  const line = script.split('\n').find((l) => l.startsWith('partition'));
  assert.ok(line, script);
  const groups = line.slice('partition '.length).split(' | ').map((g) => g.split(',').length);
  assert.deepEqual(groups.sort(), [3, 3], line);
  await page.screenshot({ path: path.join(artifacts, 'partition.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('dragging from bird to bird cuts that link one way, and again restores it', async () => {
  const { page, errors } = await open();
  await page.evaluate(() => window.ddg.exec('cluster nodes=5 seed=5'));
  await page.waitForTimeout(300);
  const xy = await page.evaluate(() => window.ddg.positions());
  const box = await page.locator('#canvas').boundingBox();
  const drag = async (from, to) => {
    await page.mouse.move(box.x + xy[2 * from], box.y + xy[2 * from + 1]);
    await page.mouse.down();
    await page.mouse.move(box.x + xy[2 * to], box.y + xy[2 * to + 1], { steps: 8 });
    await page.mouse.up();
  };
  await drag(0, 2);
  await page.waitForFunction(() => window.ddg.script().includes('\ncut n1->n3'));
  await page.screenshot({ path: path.join(artifacts, 'one-way-cut.png') });
  await drag(0, 2);
  await page.waitForFunction(() => window.ddg.script().includes('\nuncut n1->n3'));
  // The keyboard's way: the Cut into groups field takes a link too.
  await page.fill('#in-partition', 'n2->n4');
  await page.getByRole('button', { name: 'Partition' }).click();
  await page.waitForFunction(() => window.ddg.script().includes('\ncut n2->n4'));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a trap in the wasm (a Rust panic: the page is built with panic=immediate-abort) shows the crash panel', async () => {
  const { page } = await open();
  assert.equal(await page.locator('#panic').isVisible(), false);
  // What an animation frame sees when Rust panics: a RuntimeError thrown
  // out of App.frame, uncaught.
  await page.evaluate(() => requestAnimationFrame(() => {
    throw new WebAssembly.RuntimeError('unreachable');
  }));
  const panel = page.locator('#panic');
  await panel.waitFor({ state: 'visible' });
  const text = await panel.textContent();
  assert.match(text, /DuckDuckGoose crashed: unreachable\. Reload the page/);
  assert.match(text, /replay the run in ddg/);
});
