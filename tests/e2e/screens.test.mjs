// The page in the lecture hall, end to end, at 1280×720 and 1024×768: inside
// a lesson the caption, the whole canvas and the timeline fit the window;
// presenter mode fills the window and keeps the lesson keys; projector mode
// scales what the class reads (measured); preferences survive a reload; embed
// mode fits an iframe; birds keep their seats when the network is cut; the
// first visit points at the lessons; and axe finds nothing in four states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, usePage, ready, openPage } from './browser.mjs';

const artifacts = path.join(root, 'tests/e2e/artifacts');
const axePath = path.join(root, 'tests/e2e/node_modules/axe-core/axe.min.js');
const ctx = usePage();
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
];

async function openAt(viewport, hash = '') {
  const opened = await openPage(ctx.browser, ctx.server.url + hash, { viewport });
  await opened.page.waitForTimeout(300);
  return opened;
}

/// The element's box in the viewport, or null when it is not rendered.
const box = (page, selector) =>
  page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return null;
    return { x: r.x, y: r.y, width: r.width, height: r.height, bottom: r.bottom, right: r.right };
  }, selector);

const fontPx = (page, selector) =>
  page.evaluate((sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize), selector);

function assertInside(b, width, height, what) {
  assert.ok(b, `${what} is shown`);
  assert.ok(b.x >= -0.5 && b.y >= -0.5, `${what} starts inside: ${JSON.stringify(b)}`);
  assert.ok(b.right <= width + 0.5 && b.bottom <= height + 0.5, `${what} ends inside ${width}×${height}: ${JSON.stringify(b)}`);
}

for (const size of SIZES) {
  const tag = `${size.width}x${size.height}`;

  test(`${tag}: inside a lesson, the caption with Back/Next, the whole canvas and the timeline fit without scrolling`, async () => {
    const { page, errors } = await openAt(size, '#lesson=05-network-partition');
    await page.locator('#lesson-text').waitFor();
    for (const sel of ['#lesson-text', '#lesson-back', '#lesson-next', '#canvas', '#timeline']) {
      assertInside(await box(page, sel), size.width, size.height, sel);
    }
    const canvas = await box(page, '#canvas');
    assert.ok(canvas.height >= 250, `the canvas keeps a useful height: ${canvas.height}`);
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    await page.screenshot({ path: path.join(artifacts, `lesson-${tag}.png`) });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`${tag}: presenter mode fills the window, docks the caption, keeps the lesson keys, and Esc leaves`, async () => {
    const { page, errors } = await openAt(size, '#lesson=01-first-election');
    await page.locator('#lesson-text').waitFor();
    const captionBefore = await fontPx(page, '#lesson-text');
    await page.getByRole('button', { name: 'Present', exact: true }).click();
    await page.waitForFunction(() => document.body.classList.contains('presenter'));
    await page.waitForTimeout(200);
    const canvas = await box(page, '#canvas');
    assertInside(canvas, size.width, size.height, 'canvas');
    assert.ok(canvas.width >= size.width * 0.95, `canvas spans the window: ${canvas.width}`);
    assert.ok(canvas.height >= size.height * 0.55, `canvas fills the height: ${canvas.height}`);
    assert.equal(await box(page, '.bar'), null, 'the header is out of the way');
    assert.equal(await box(page, '.side'), null, 'the panels are out of the way');
    const caption = await box(page, '#lesson-text');
    assertInside(caption, size.width, size.height, 'caption');
    assert.ok(caption.bottom <= canvas.y + 1, 'the caption is docked above the birds');
    assert.ok((await fontPx(page, '#lesson-text')) >= 24, 'large caption text');
    assert.ok((await fontPx(page, '#lesson-text')) > captionBefore);
    assertInside(await box(page, '#timeline'), size.width, size.height, 'timeline');
    assertInside(await box(page, '#lesson-next'), size.width, size.height, 'Next');
    // The clicker's PageDown is Next, and the page stays in presenter mode.
    const before = await page.locator('#lesson-title').textContent();
    await page.locator('#in-speed').evaluate((el) => {
      el.value = '0';
      el.dispatchEvent(new Event('input'));
    });
    await page.keyboard.press('PageDown');
    await page.waitForFunction((t) => document.querySelector('#lesson-title').textContent !== t, before, { timeout: 20000 });
    assert.ok(await page.evaluate(() => document.body.classList.contains('presenter')));
    await page.screenshot({ path: path.join(artifacts, `presenter-${tag}.png`) });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.body.classList.contains('presenter'));
    assert.ok(await box(page, '.bar'), 'the header is back');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`${tag}: projector mode scales caption, buttons, labels and birds; the choice survives a reload`, async () => {
    const { page, errors } = await openAt(size, '#lesson=01-first-election');
    await page.locator('#lesson-text').waitFor();
    const measure = async () => ({
      caption: await fontPx(page, '#lesson-text'),
      play: await fontPx(page, '#play'),
      nodeButton: await fontPx(page, '#life-n1'),
      bird: await page.evaluate(() => window.ddg.birdRadius()),
      canvasLabel: await page.evaluate(() => window.ddg.labelPx()),
    });
    const plain = await measure();
    await page.keyboard.press('l');
    await page.waitForFunction(() => document.body.classList.contains('large'));
    await page.waitForTimeout(200);
    const large = await measure();
    assert.ok(large.caption >= 20 && large.caption > plain.caption * 1.2, `caption ${plain.caption} → ${large.caption}`);
    assert.ok(large.play > plain.play * 1.2, `buttons ${plain.play} → ${large.play}`);
    assert.ok(large.nodeButton >= 14, `node buttons ${plain.nodeButton} → ${large.nodeButton}`);
    assert.ok(large.bird > plain.bird * 1.15, `birds ${plain.bird} → ${large.bird}`);
    assert.ok(large.canvasLabel > plain.canvasLabel * 1.3, `canvas labels ${plain.canvasLabel} → ${large.canvasLabel}`);
    // The lesson still fits.
    for (const sel of ['#lesson-next', '#canvas', '#timeline']) {
      assertInside(await box(page, sel), size.width, size.height, `${sel} (projector)`);
    }
    await page.screenshot({ path: path.join(artifacts, `projector-${tag}.png`) });
    // Dark, paper words and a speed persist too.
    await page.keyboard.press('d');
    await page.keyboard.press('w');
    await page.keyboard.press('-');
    const speed = await page.locator('#in-speed').inputValue();
    await page.reload();
    await ready(page);
    await page.waitForTimeout(200);
    const classes = await page.evaluate(() => document.body.className);
    assert.match(classes, /\blarge\b/);
    assert.match(classes, /\bdark\b/);
    assert.equal(await page.locator('#words').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('#in-speed').inputValue(), speed);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test('embed mode: a 1000×600 iframe shows the whole canvas, the caption and a few controls', async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 1100, height: 700 } });
  const src = `${ctx.server.url}?embed#lesson=01-first-election`;
  await page.setContent(`<iframe src="${src}" width="1000" height="600" style="border:0"></iframe>`);
  const frame = page.frames().find((f) => f.url().includes('embed'));
  await ready(frame);
  await frame.waitForTimeout(300);
  const inFrame = (sel) =>
    frame.evaluate((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height, bottom: r.bottom, right: r.right };
    }, sel);
  const canvas = await inFrame('#canvas');
  assertInside(canvas, 1000, 600, 'canvas in the iframe');
  assert.ok(canvas.width >= 950 && canvas.height >= 300, JSON.stringify(canvas));
  assertInside(await inFrame('#lesson-text'), 1000, 600, 'caption in the iframe');
  assertInside(await inFrame('#lesson-next'), 1000, 600, 'Next in the iframe');
  assertInside(await inFrame('#timeline'), 1000, 600, 'timeline in the iframe');
  assert.equal(await frame.evaluate(() => document.querySelector('.bar').getBoundingClientRect().height), 0);
  assert.equal(await frame.evaluate(() => document.scrollingElement.scrollHeight <= window.innerHeight + 1), true, 'no scrolling inside');
  // The embed stays an embed as the address follows the lesson.
  assert.match(await frame.evaluate(() => location.href), /embed/);
  await page.screenshot({ path: path.join(artifacts, 'embed-1000x600.png') });
  await page.close();
});

test('print: a handout with the canvas undistorted, the caption and the event log', async () => {
  const { page, errors } = await openAt({ width: 1280, height: 720 }, '#lesson=01-first-election');
  await page.locator('#lesson-text').waitFor();
  await page.evaluate(() => {
    const s = document.querySelector('#lesson-steps');
    s.value = '3';
    s.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForTimeout(300);
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: 700, height: 1000 });
  const shape = await page.evaluate(() => {
    const el = document.querySelector('#canvas');
    const r = el.getBoundingClientRect();
    return { box: r.width / r.height, bitmap: el.width / el.height };
  });
  assert.ok(Math.abs(shape.box - shape.bitmap) / shape.bitmap < 0.02, `not stretched: ${JSON.stringify(shape)}`);
  assert.ok(await page.locator('#lesson-text').isVisible());
  assert.equal(await page.locator('#lesson-next').isVisible(), false, 'no buttons on paper');
  assert.equal(await page.locator('.side').isVisible(), false);
  assert.equal(await page.locator('#timeline').isVisible(), false);
  assert.ok(await page.locator('#log').isVisible());
  const lines = await page.locator('#log li').allTextContents();
  assert.ok(lines.some((l) => /won with 3 votes/.test(l)), lines.join('\n'));
  await page.screenshot({ path: path.join(artifacts, 'print.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('birds keep their seats when a node is isolated or the network is cut across the canvas', async () => {
  const { page, errors } = await openAt({ width: 1280, height: 720 });
  await page.evaluate(() => window.ddg.exec('cluster nodes=5 seed=7'));
  await page.waitForTimeout(300);
  const seats = () => page.evaluate(() => window.ddg.positions());
  const home = await seats();
  assert.equal(home.length, 10);
  await page.evaluate(() => window.ddg.exec('isolate n4'));
  await page.waitForTimeout(500);
  assert.deepEqual((await seats()).map(Math.round), home.map(Math.round), 'isolating n4 moves nobody');
  await page.evaluate(() => window.ddg.exec('heal'));
  // A vertical cut through the middle of the canvas, between n1 (top) and the rest.
  const c = await box(page, '#canvas');
  const midX = c.x + c.width / 2 + 20;
  await page.mouse.move(midX, c.y + 5);
  await page.mouse.down();
  await page.mouse.move(midX + 5, c.y + c.height / 2, { steps: 5 });
  await page.mouse.move(midX + 10, c.y + c.height - 5, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => window.ddg.script().includes('partition'));
  await page.waitForTimeout(500);
  assert.deepEqual((await seats()).map(Math.round), home.map(Math.round), 'the cut moves nobody');
  await page.screenshot({ path: path.join(artifacts, 'stable-cut.png') });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a first visit points at the lessons; a returning visit does not', async () => {
  const { page } = await openAt({ width: 1280, height: 720 });
  const welcome = page.locator('#welcome');
  await welcome.waitFor();
  assert.ok(await welcome.isVisible());
  await page.reload();
  await ready(page);
  await page.waitForTimeout(200);
  assert.equal(await welcome.isVisible(), false);
  await page.close();
});

test('keyboard: the Lessons dialog keeps focus and gives it back; the timeline is a slider; a message can be picked and dropped; groups can be typed', async () => {
  const { page, errors } = await openAt({ width: 1280, height: 720 });
  const lessons = page.locator('.bar').getByRole('button', { name: 'Lessons', exact: true });
  await lessons.focus();
  await page.keyboard.press('Enter');
  await page.locator('#lessons[open]').waitFor();
  for (let i = 0; i < 14; i++) {
    await page.keyboard.press('Tab');
    const inside = await page.evaluate(() => document.activeElement?.closest('#lessons') !== null);
    assert.ok(inside, `Tab ${i + 1} stays in the dialog`);
  }
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('#lessons').open);
  assert.ok(await lessons.evaluate((el) => el === document.activeElement), 'focus is back on Lessons');

  // The Play button: a label, no pressed state.
  assert.equal(await page.locator('#play').getAttribute('aria-pressed'), null);
  // The clock is not a live region.
  const live = await page.evaluate(() => {
    const el = document.getElementById('clock');
    return el.closest('[aria-live], output, [role=status], [role=log], [role=alert]') !== null;
  });
  assert.equal(live, false);

  // The timeline slider.
  await page.evaluate(() => window.ddg.exec('cluster nodes=5 seed=3'));
  await page.evaluate(() => window.ddg.exec('run 1s'));
  await page.evaluate(() => window.ddg.seek(0));
  const slider = page.getByRole('slider', { name: /Moment on view/ });
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(100);
  const stepped = Number(await slider.getAttribute('aria-valuenow'));
  const t1 = await page.evaluate(() => window.ddg.status().t_us);
  assert.ok(t1 > 0, 'arrows step events');
  await page.keyboard.press('PageDown');
  await page.waitForTimeout(100);
  const t2 = await page.evaluate(() => window.ddg.status().t_us);
  assert.ok(t2 > t1, 'PageDown jumps to the next marker');
  await page.waitForTimeout(100);
  assert.ok(Number(await slider.getAttribute('aria-valuenow')) >= stepped);
  await page.keyboard.press('ArrowLeft');
  await page.waitForTimeout(100);
  assert.ok((await page.evaluate(() => window.ddg.status().t_us)) < t2, 'ArrowLeft steps back');

  // Pick a message with m, drop it with x.
  await page.evaluate(() => window.ddg.exec('run 5ms'));
  await page.locator('body').focus();
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('m');
  const drop = page.locator('#ins-drop');
  await drop.waitFor();
  const name = await drop.textContent();
  await page.keyboard.press('x');
  await page.waitForFunction((n) => window.ddg.script().includes(`drop ${n.replace('Drop ', '')}`), name);

  // Type the groups.
  await page.locator('#in-partition').fill('n1,n2 | n3,n4,n5');
  await page.getByRole('button', { name: 'Partition', exact: true }).click();
  await page.waitForFunction(() => window.ddg.script().includes('partition n1,n2 | n3,n4,n5'));
  await page.locator('#in-partition').fill('n1 | n9');
  await page.getByRole('button', { name: 'Partition', exact: true }).click();
  await page.locator('#msg-partition', { hasText: /n9/ }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('paper words: leader and follower on the node list, the log and the caption', async () => {
  const { page } = await openAt({ width: 1280, height: 720 }, '#lesson=01-first-election');
  await page.locator('#lesson-text').waitFor();
  await page.getByRole('button', { name: 'Paper words' }).click();
  await page.waitForTimeout(200);
  const roles = await page.locator('#nodes-body .role').allTextContents();
  assert.ok(roles.every((r) => !/goose|duck/.test(r)), roles.join(','));
  assert.ok(roles.some((r) => r === 'follower'), roles.join(','));
  const text = (await page.locator('#log').textContent()) + (await page.locator('#lesson-text').textContent());
  assert.doesNotMatch(text, /\b(goose|geese|duck|ducks)\b/i);
  assert.match(text, /follower/);
  await page.close();
});

/// Runs axe-core (from node_modules) on the page and returns its violations.
/// It is loaded as a script from the page's own origin (the test server
/// serves the repository): the page's Content-Security-Policy refuses
/// inline scripts.
async function axe(page) {
  await page.addScriptTag({ url: new URL(path.relative(root, axePath), page.url()).href });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
}

for (const [state, hash, keys] of [
  ['default', '', []],
  ['in a lesson', '#lesson=03-split-vote', []],
  ['dark', '', ['d']],
  ['projector', '#lesson=01-first-election', ['l']],
]) {
  test(`axe finds no violations: ${state}`, async () => {
    const { page } = await openAt({ width: 1280, height: 720 }, hash);
    for (const k of keys) await page.keyboard.press(k);
    await page.evaluate(() => window.ddg.exec('run 300ms'));
    await page.waitForTimeout(300);
    const found = await axe(page);
    assert.deepEqual(found, [], JSON.stringify(found, null, 2));
    await page.close();
  });
}

for (const [state, keys] of [
  ['light', []],
  ['dark', ['d']],
  ['projector', ['l']],
]) {
  test(`axe finds no violations: the Experiment panel with curves, ${state}`, async () => {
    const { page } = await openAt({ width: 1280, height: 720 });
    for (const k of keys) await page.keyboard.press(k);
    await page.evaluate(() => window.ddg.exec('run 2s'));
    await page.locator('#exp-toggle').click();
    await page.locator('#exp-trials').fill('30');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.locator('#exp-status', { hasText: 'Done: 30 trials' }).waitFor({ timeout: 60000 });
    const found = await axe(page);
    assert.deepEqual(found, [], JSON.stringify(found, null, 2));
    await page.close();
  });
}
