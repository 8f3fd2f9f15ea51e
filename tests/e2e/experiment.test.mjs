// The Experiment panel, end to end: it opens from the keyboard, runs crash
// trials in wasm a few per frame (the progress bar advances, animation
// frames keep coming and a click on Pause is handled while they run), draws
// the CDF beside the paper's curve, keeps earlier curves for comparison with
// a legend, and fits the window at 1280×720 and 1024×768 in light, dark and
// projector modes. The stats panel's histogram grows with the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, usePage, openPage } from './browser.mjs';

const artifacts = path.join(root, 'tests/e2e/artifacts');
const ctx = usePage();

const openAt = (viewport) => openPage(ctx.browser, ctx.server.url, { viewport });

/// The step paths of the plot: for each, its class and its number of points.
const curves = (page) =>
  page.$$eval('#exp-plot path[class]', (ps) =>
    ps.map((p) => ({ cls: p.getAttribute('class'), points: (p.getAttribute('d').match(/V/g) || []).length })),
  );

const progress = (page) =>
  page.$eval('#exp-progress', (p) => ({ value: Number(p.getAttribute('value')), max: Number(p.getAttribute('max')) }));

/// Opens the panel from the keyboard: the toggle is a button in the tab
/// order, and Enter presses it.
async function openPanel(page) {
  const toggle = page.locator('#exp-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#exp-body').isVisible(), false);
  assert.notEqual(await toggle.getAttribute('tabindex'), '-1');
  await toggle.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('exp-toggle').getAttribute('aria-expanded') === 'true');
  await page.locator('#exp-body').waitFor({ state: 'visible' });
}

async function runAndWait(page, trials, rows) {
  await page.locator('#exp-trials').fill(String(trials));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForFunction(
    (n) => document.getElementById('exp-run').textContent === 'Run' && document.querySelectorAll('#exp-rows tr').length === n,
    rows,
    { timeout: 120000 },
  );
}

test('the panel runs trials without freezing the page and draws their CDF beside the paper', async () => {
  const { page, errors } = await openAt({ width: 1280, height: 720 });
  await openPanel(page);
  // The paper's cluster, with a fixed timeout: slow trials (tens of seconds
  // of simulated split votes each), so the run lasts many frames.
  await page.getByRole('button', { name: "Paper's setup" }).click();
  await page.waitForFunction(() => window.ddg.script().includes('disk=3ms..6ms jitter=500us'));
  await page.evaluate(() => window.ddg.exec('set election=150ms..150ms'));
  await page.locator('#exp-trials').fill('400');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#exp-status', { hasText: 'Running 400 trials at 150–150 ms' }).waitFor();
  assert.equal(await page.locator('#exp-run').textContent(), 'Stop');

  // While the trials run: animation frames keep coming, and a click on
  // Pause is handled at once.
  const first = await progress(page);
  const frames = await page.evaluate(
    () =>
      new Promise((resolve) => {
        let n = 0;
        const t0 = performance.now();
        const tick = () => {
          n += 1;
          if (performance.now() - t0 < 1000) requestAnimationFrame(tick);
          else resolve(n);
        };
        requestAnimationFrame(tick);
      }),
  );
  assert.ok(frames >= 8, `only ${frames} animation frames in a second while trials ran`);
  assert.equal(await page.locator('#play').textContent(), 'Pause');
  const clicked = Date.now();
  await page.locator('#play').click();
  await page.locator('#play', { hasText: 'Play' }).waitFor({ timeout: 2000 });
  const answered = Date.now() - clicked;
  const second = await progress(page);
  assert.equal(first.max, 400);
  assert.ok(second.value > first.value, `progress advances: ${first.value} -> ${second.value}`);
  assert.ok(second.value < 400, `still running after the checks: ${second.value}`);
  assert.ok(answered < 2000, `Pause answered in ${answered} ms`);
  // The curve is drawn while it grows.
  const growing = await curves(page);
  assert.ok(growing.some((c) => c.cls === 'k0' && c.points >= 1), JSON.stringify(growing));

  await page.locator('#exp-status', { hasText: 'Done: 400 trials at 150–150 ms' }).waitFor({ timeout: 180000 });
  const done = await progress(page);
  assert.deepEqual(done, { value: 400, max: 400 });
  const drawn = await curves(page);
  const ours = drawn.find((c) => c.cls === 'k0');
  const paper = drawn.find((c) => c.cls === 'k0 paper');
  assert.ok(ours && ours.points >= 20, `our CDF has steps: ${JSON.stringify(drawn)}`);
  assert.ok(paper && paper.points >= 10, `the paper's curve is drawn: ${JSON.stringify(drawn)}`);
  // The same curve in numbers: every trial elected (the paper's did too),
  // in tens of seconds, beside the paper's 40.7 s median.
  const row = await page.locator('#exp-rows tr').first().locator('th, td').allTextContents();
  assert.equal(row[0], '150–150 ms');
  const [elected, of] = row[1].split(' of ').map(Number);
  assert.ok(of === 400 && elected >= 380, `nearly every trial elects within 120 s: ${row[1]}`);
  assert.match(row[2], /^[0-9.]+s$/);
  assert.match(row[6], /^40\.66s, 84\.07s \(150–150 ms\)$/);
  // The plot's pixels: ours in the first colour, somewhere on the canvas.
  const shot = await page.locator('#exp-plot').screenshot();
  assert.ok(shot.length > 2000);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a teacher compares 150–150, 150–155 and 150–300: earlier curves stay, each in its colour, with a legend', async () => {
  const { page, errors } = await openAt({ width: 1280, height: 720 });
  await openPanel(page);
  await page.getByRole('button', { name: "Paper's setup" }).click();
  await page.waitForFunction(() => window.ddg.script().includes('jitter=500us'));
  // The teacher types the timeouts into the settings form.
  for (const [min, max, rows] of [
    ['150', '150', 1],
    ['150', '155', 2],
    ['150', '300', 3],
  ]) {
    await page.locator('#in-election-max').fill(max);
    await page.locator('#in-election-max').press('Tab');
    await page.locator('#in-election-min').fill(min);
    await page.locator('#in-election-min').press('Tab');
    // The last settings line names the new range (a fixed one as `150ms`).
    await page.waitForFunction(
      (m) => {
        const sets = window.ddg.script().split('\n').filter((l) => l.includes(' set ') || l.startsWith('set '));
        const last = sets[sets.length - 1] || '';
        return new RegExp(m === '150' ? 'election=150ms( |$)' : `election=150ms\\.\\.${m}ms`).test(last);
      },
      max,
    );
    await runAndWait(page, 60, rows);
  }
  const labels = await page.locator('#exp-rows th').allTextContents();
  assert.deepEqual(labels, ['150–150 ms', '150–155 ms', '150–300 ms']);
  const drawn = await curves(page);
  for (const k of ['k0', 'k1', 'k2']) {
    assert.ok(drawn.some((c) => c.cls === k && c.points > 5), `${k}: ${JSON.stringify(drawn)}`);
    assert.ok(drawn.some((c) => c.cls === `${k} paper`), `${k} paper`);
    // The legend: a solid and a dashed swatch of the curve's colour.
    assert.equal(await page.locator(`#exp-rows .sw.${k}:not(.paper)`).count(), 1);
    assert.equal(await page.locator(`#exp-rows .sw.${k}.paper`).count(), 1);
  }
  const colours = await page.$$eval('#exp-rows tr th .sw', (s) => s.map((e) => getComputedStyle(e).borderTopColor));
  assert.equal(new Set(colours).size, 3, colours.join(' '));
  // Medians fall as the range widens.
  const medians = await page.$$eval('#exp-rows tr', (rs) =>
    rs.map((r) => {
      const t = r.children[2].textContent;
      return t.endsWith('ms') ? parseFloat(t) : parseFloat(t) * 1000;
    }),
  );
  assert.ok(medians[0] > medians[1] && medians[1] > medians[2], medians.join(' '));
  await page.locator('.experiment').screenshot({ path: path.join(artifacts, 'experiment-1280x720.png') });
  // Clear removes every curve.
  await page.getByRole('button', { name: 'Clear curves' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#exp-rows tr').length === 0);
  assert.equal((await curves(page)).length, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a bad trial count gets an inline message and runs nothing', async () => {
  const { page } = await openAt({ width: 1280, height: 720 });
  await openPanel(page);
  await page.locator('#exp-trials').fill('lots');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#msg-exp-trials', { hasText: 'trials: a whole number from 1 to 5000' }).waitFor();
  assert.equal(await page.locator('#exp-rows tr').count(), 0);
  await page.close();
});

for (const size of [
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
]) {
  for (const [mode, key] of [
    ['light', null],
    ['dark', 'd'],
    ['projector', 'l'],
  ]) {
    const tag = `${size.width}x${size.height}-${mode}`;
    test(`${tag}: the panel and its table fit the width, and the stats histogram is drawn`, async () => {
      const { page, errors } = await openAt(size);
      if (key) await page.keyboard.press(key);
      await page.evaluate(() => window.ddg.exec('run 3s'));
      await page.evaluate(() => window.ddg.exec('kill goose'));
      await page.evaluate(() => window.ddg.exec('run 2s'));
      await openPanel(page);
      await runAndWait(page, 100, 1);
      // Nothing sticks out of the panel or the window.
      const fit = await page.evaluate(() => {
        const panel = document.querySelector('.experiment').getBoundingClientRect();
        const inner = ['#exp-plot', '.experiment table', '#exp-body .acts'].map((s) => document.querySelector(s).getBoundingClientRect());
        return {
          page: document.documentElement.scrollWidth <= window.innerWidth,
          inside: inner.every((r) => r.left >= panel.left - 0.5 && r.right <= panel.right + 0.5),
          plot: document.querySelector('#exp-plot svg').getBoundingClientRect().height,
        };
      });
      assert.ok(fit.page, 'no horizontal scroll');
      assert.ok(fit.inside, 'plot, table and controls inside the panel');
      assert.ok(fit.plot > 120, `the plot keeps a useful height: ${fit.plot}`);
      // The histogram: one bar per bin, and the two elections are in it.
      const bars = await page.$$eval('#stat-hist rect', (r) => r.map((e) => Number(e.getAttribute('height'))));
      assert.ok(bars.length >= 1 && bars.some((h) => h > 0), JSON.stringify(bars));
      await page.locator('.experiment').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(artifacts, `experiment-${tag}.png`) });
      assert.deepEqual(errors, []);
      await page.close();
    });
  }
}

test('a closed panel runs nothing: frames stay as cheap as before, and the trials wait', async () => {
  const { page } = await openAt({ width: 1280, height: 720 });
  await openPanel(page);
  // Slow trials (a fixed timeout: tens of seconds of split votes each), so
  // that 5000 of them outlast the test.
  await page.evaluate(() => window.ddg.exec('set election=150ms..150ms jitter=500us latency=100us disk=3ms..6ms checkquorum=off'));
  await page.locator('#exp-trials').fill('5000');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForTimeout(500);
  const running = await page.evaluate(() => window.ddg.frameTimes().slice(-10));
  // Closing pauses the trials where they are.
  await page.locator('#exp-toggle').click();
  await page.waitForTimeout(1000);
  const closed = await page.evaluate(() => window.ddg.frameTimes().slice(-30));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  assert.ok(median(running) >= 6, `frames spend their budget on trials while open: ${running}`);
  assert.ok(median(closed) < 6, `closed, a frame does no trials: ${closed}`);
  const a = await progress(page);
  await page.locator('#exp-toggle').click();
  await page.waitForFunction((v) => Number(document.getElementById('exp-progress').getAttribute('value')) > v, a.value);
  assert.equal(await page.locator('#exp-run').textContent(), 'Stop');
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await page.locator('#exp-status', { hasText: /^Done: \d+ trials at 150–150 ms\.$/ }).waitFor();
  await page.close();
});
