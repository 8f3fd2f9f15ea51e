// The log on the page (issue 9 §1, §4), end to end: the Request button and
// key record `request` on the run's tape and are refused, with the reason,
// when there is no goose; the inspector shows a node's log, and the goose's
// nextIndex and matchIndex; the log strip is a setting, off by default, kept
// in the share link, that draws next to every bird; the log lesson turns it
// on. Screenshots of the strip in both themes go to artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, usePage, ready, exec, description } from './browser.mjs';

const artifacts = path.join(root, 'tests/e2e/artifacts');
const ctx = usePage({ viewport: { width: 1280, height: 720 } });
const status = (page) => page.evaluate(() => window.ddg.status());

/// A paused run with a goose: 5 nodes, seed 1, 400 ms in. Returns the
/// goose's number (1-based).
async function withGoose(page) {
  await exec(page, 'cluster nodes=5 seed=1');
  await page.keyboard.press(' '); // pause
  await exec(page, 'run 400ms');
  const { nodes } = await status(page);
  const goose = nodes.findIndex((n) => n.role === 'goose') + 1;
  assert.ok(goose > 0, JSON.stringify(nodes));
  return goose;
}

/// `withGoose`, then three requests the goose commits (its log ends at
/// index 4). Returns the goose's number.
async function withCommittedRequests(page) {
  const goose = await withGoose(page);
  await exec(page, 'request 3');
  await exec(page, 'run 100ms');
  return goose;
}

/// Waits for two animation frames, so the canvas shows the latest state.
const frames = (page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/// The canvas's pixels (RGBA, device pixels), as a Buffer (base64 on the
/// way: a plain array of millions of numbers is slow to pass).
const pixels = async (page) => {
  const b64 = await page.evaluate(() => {
    const c = document.getElementById('canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) {
      s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
    }
    return btoa(s);
  });
  return Buffer.from(b64, 'base64');
};

test('a client request: the button and the key record it, and with no goose it is refused and says why', async () => {
  const { page, errors } = await ctx.open();
  await exec(page, 'cluster nodes=5 seed=1');
  await page.keyboard.press(' '); // pause before any goose
  const button = page.getByRole('button', { name: 'Client request' });
  await page.waitForFunction(() => document.getElementById('request').disabled);
  assert.match(await description(button), /no goose.*§5\.3/);
  // The key says why on the page, and nothing reaches the tape.
  await page.keyboard.press('q');
  await page.locator('#notice-text', { hasText: 'no goose to take a client request' }).waitFor();
  assert.doesNotMatch(await page.evaluate(() => window.ddg.script()), /request/);

  await exec(page, 'run 400ms');
  await page.waitForFunction(() => !document.getElementById('request').disabled);
  assert.equal(await button.getAttribute('aria-describedby'), null);
  await button.click();
  await page.keyboard.press('q');
  const script = await page.evaluate(() => window.ddg.script());
  assert.equal(script.match(/^request$/gm)?.length, 2, script);
  // The tape replays them: the link's run has the same two requests.
  const link = await page.evaluate(() => window.ddg.link());
  const { page: again } = await ctx.open(link);
  assert.equal((await again.evaluate(() => window.ddg.script())).match(/^request$/gm)?.length, 2);
  await again.close();
  assert.deepEqual(errors, []);
  await page.close();
});

test("the inspector shows a node's log, and the goose's nextIndex and matchIndex per peer", async () => {
  const { page, errors } = await ctx.open();
  const goose = await withCommittedRequests(page);
  await page.keyboard.press(String(goose));
  // The goose's no-op and the three requests, all committed.
  await page.locator('#ins-log', { hasText: 'ends at index 4' }).waitFor();
  assert.match(await page.locator('#ins-log').textContent(), /committed up to 4/);
  const repl = await page.locator('#ins-repl').textContent();
  assert.equal(repl.match(/next 5, match 4/g)?.length, 4, repl);
  assert.ok(await page.locator('#ins-repl').isVisible());
  // A duck has a log but no nextIndex or matchIndex to show.
  const duck = (goose % 5) + 1;
  await page.keyboard.press(String(duck));
  // The inspector follows the key on the next frame: wait for the duck's
  // title (its log line is the same as the goose's).
  await page.locator('#ins-title', { hasText: `n${duck}` }).waitFor();
  await page.locator('#ins-log', { hasText: 'committed up to 4' }).waitFor();
  assert.ok(await page.locator('#ins-repl').isHidden());
  assert.deepEqual(errors, []);
  await page.close();
});

test('the log strip is off by default, draws next to each bird when on, and the share link keeps it', async () => {
  const { page, errors } = await ctx.open();
  const goose = await withCommittedRequests(page);
  const box = page.locator('#in-logs');
  assert.equal(await box.isChecked(), false, 'off by default');
  await frames(page);
  const off = await pixels(page);
  await box.check();
  await frames(page);
  const on = await pixels(page);
  // What changed lies inside the ring of birds or close to a bird: each
  // strip stands beside its bird, on the centre's side.
  const [w, dpr] = await page.evaluate(() => {
    const c = document.getElementById('canvas');
    return [c.width, c.width / c.clientWidth];
  });
  const xy = await page.evaluate(() => window.ddg.positions());
  const n = xy.length / 2;
  const cx = xy.filter((_, k) => k % 2 === 0).reduce((a, b) => a + b) / n;
  const cy = xy.filter((_, k) => k % 2 === 1).reduce((a, b) => a + b) / n;
  const radius = Math.hypot(xy[0] - cx, xy[1] - cy);
  const r = await page.evaluate(() => window.ddg.birdRadius());
  let changed = 0;
  let outside = 0;
  for (let i = 0; i < on.length; i += 4) {
    if (on[i] !== off[i] || on[i + 1] !== off[i + 1] || on[i + 2] !== off[i + 2]) {
      changed++;
      const x = ((i / 4) % w) / dpr;
      const y = Math.floor(i / 4 / w) / dpr;
      const nearBird = xy.some((_, k) => k % 2 === 0 && Math.hypot(x - xy[k], y - xy[k + 1]) < 3 * r);
      if (Math.hypot(x - cx, y - cy) > radius && !nearBird) outside++;
    }
  }
  assert.ok(changed > 5 * 100, `the strips changed ${changed} pixels`);
  assert.equal(outside, 0, 'nothing changed far from the birds, outside the ring');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifacts, 'log-strip-light.png') });
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('d');
  await page.waitForFunction(() => document.body.classList.contains('dark'));
  await frames(page);
  await page.screenshot({ path: path.join(artifacts, 'log-strip-dark.png') });
  await page.keyboard.press('d');
  await page.waitForFunction(() => !document.body.classList.contains('dark'));
  // The link carries the setting; a link without it opens with it off.
  const link = await page.evaluate(() => window.ddg.link());
  assert.match(link, /&logs$/);
  const { page: shared } = await ctx.open(link);
  assert.equal(await shared.locator('#in-logs').isChecked(), true);
  await shared.close();
  await box.uncheck();
  await frames(page);
  assert.deepEqual(await pixels(page), off, 'off again: the same picture as before');
  assert.doesNotMatch(await page.evaluate(() => window.ddg.link()), /logs/);
  assert.ok(goose > 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('an AppendEntries that carries entries shows their number on its envelope', async () => {
  // The same moment, with and without three requests just sent: the
  // difference away from every bird (whose drawings stay close to it) holds
  // dark pixels, the digits on the envelopes; hearts are in their term's
  // colour, never dark.
  const shot = async (requests) => {
    const { page, errors } = await ctx.open();
    await withGoose(page);
    if (requests) await exec(page, requests);
    await exec(page, 'run 6ms');
    await frames(page);
    const [w, dpr] = await page.evaluate(() => {
      const c = document.getElementById('canvas');
      return [c.width, c.width / c.clientWidth];
    });
    const xy = await page.evaluate(() => window.ddg.positions());
    const r = await page.evaluate(() => window.ddg.birdRadius());
    const data = await pixels(page);
    await page.screenshot({ path: path.join(artifacts, `envelope-${requests ? 'count' : 'bare'}.png`) });
    const script = await page.evaluate(() => window.ddg.script());
    assert.deepEqual(errors, []);
    await page.close();
    return { w, dpr, xy, r, data, script };
  };
  const bare = await shot(null);
  const carrying = await shot('request 3');
  assert.doesNotMatch(bare.script, /request/);
  assert.match(carrying.script, /request 3/);
  const { w, dpr, xy, r } = carrying;
  const dark = (d, i) => d[i] < 90 && d[i + 1] < 90 && d[i + 2] < 90;
  let digits = 0;
  for (let i = 0; i < carrying.data.length; i += 4) {
    if (!dark(carrying.data, i) || dark(bare.data, i)) continue;
    const x = ((i / 4) % w) / dpr;
    const y = Math.floor(i / 4 / w) / dpr;
    let away = true;
    for (let k = 0; k < xy.length; k += 2) {
      if (Math.hypot(x - xy[k], y - xy[k + 1]) < 2 * r) away = false;
    }
    if (away) digits++;
  }
  assert.ok(digits > 4 * 5, `four envelopes with a number: ${digits} new dark pixels`);
});

test('the log lesson turns the strip on and its ✖ say the election restriction', async () => {
  const { page, errors } = await ctx.open(`${ctx.server.url}#lesson=09-log-behind`);
  await page.locator('#lesson-title', { hasText: 'its log is behind — step 1 of' }).waitFor();
  assert.equal(await page.locator('#in-logs').isChecked(), true, 'the lesson turns the strip on');
  // Walk to the caption about §5.4.1.
  for (;;) {
    const caption = await page.locator('#lesson-text').textContent();
    if (caption.includes('§5.4.1')) break;
    const title = await page.locator('#lesson-title').textContent();
    await page.locator('#lesson-next').click();
    await page.waitForFunction(
      (t) => document.getElementById('lesson-title').textContent !== t,
      title,
      { timeout: 20000 },
    );
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(artifacts, 'log-lesson-light.png') });
  // Inspect the messages in flight until a ✖: its reason is §5.4.1.
  for (let k = 0; k < 20; k++) {
    await page.keyboard.press('m');
    const kind = await page.locator('#ins-kind').textContent();
    if (/denied/.test(kind)) break;
  }
  await page.locator('#ins-reason', { hasText: '§5.4.1' }).waitFor();
  assert.match(await page.locator('#ins-reason').textContent(), /term 1, index 1.*term 1, index 4/);
  await page.keyboard.press('Escape');
  await page.keyboard.press('d');
  await page.waitForFunction(() => document.body.classList.contains('dark'));
  await frames(page);
  await page.screenshot({ path: path.join(artifacts, 'log-lesson-dark.png') });
  await page.keyboard.press('d');
  // An election lesson leaves it off.
  await page.evaluate(() => { location.hash = '#lesson=01-first-election'; });
  await page.locator('#lesson-title', { hasText: 'step 1 of' }).filter({ hasNotText: 'its log is behind' }).waitFor();
  assert.equal(await page.locator('#in-logs').isChecked(), false);
  assert.deepEqual(errors, []);
  await page.close();
});
