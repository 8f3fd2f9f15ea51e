// The lesson player, end to end, at a projector's 1280×720 and 1024×768: under
// every way of moving in time (arrows, Space, the Play button, Home/End, the
// timeline drag, markers, the ◀ ▶ event buttons, ddg.seek, the step list)
// the caption is the step whose moment is the latest at or before the moment
// on screen ("after step k" between steps); Play and Next stop at the next
// step; clicker keys (PageDown/PageUp, →/←) are Next/Back; `.` and `b` do not
// move time; acting forks, and "Back to the lesson, step k" restores the
// lesson exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './browser.mjs';

const LESSON = '01-first-election';
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1024, height: 768 },
];

const ctx = usePage();

const now = (page) => page.evaluate(() => window.ddg.status().t_us);
const title = (page) => page.locator('#lesson-title').textContent();

/// The label the caption must carry at `t`, from the step moments.
function expected(moments, t) {
  let k = 0;
  while (k + 1 < moments.length && moments[k + 1] <= t) k++;
  const n = moments.length;
  return moments[k] === t ? `— step ${k + 1} of ${n}` : `— after step ${k + 1} of ${n}`;
}

/// Waits until the run is paused (its clock stands still) and the caption
/// agrees with the moment on screen; fails with both if they never agree.
async function agrees(page, moments, what) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const t = await now(page);
    await page.waitForTimeout(120); // real-time speed: a playing clock moves
    const still = (await now(page)) === t;
    // The title is written at the next animation frame.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const shown = await title(page);
    if (still && (await now(page)) === t && shown.endsWith(expected(moments, t))) return t;
    if (Date.now() > deadline) {
      assert.fail(`${what}: at t=${t}us the caption says "${shown}", wanted "${expected(moments, t)}"`);
    }
  }
}

/// Opens the lesson and learns its step moments through the step list.
async function openLesson(viewport) {
  const { page, errors } = await ctx.open(`${ctx.server.url}#lesson=${LESSON}`);
  await page.setViewportSize(viewport);
  await page.locator('#lesson-title', { hasText: 'step 1 of' }).waitFor();
  await page.locator('#in-speed').fill('0'); // real time: Play reaches a step quickly
  await page.locator('#lesson-text').click(); // keys to the page, not the slider
  const count = await page.locator('#lesson-steps option').count();
  assert.ok(count >= 6, `${count} steps in the list`);
  const moments = [];
  for (let k = 0; k < count; k++) {
    await page.locator('#lesson-steps').selectOption(String(k));
    await page.locator('#lesson-title', { hasText: `— step ${k + 1} of ${count}` }).waitFor();
    moments.push(await now(page));
  }
  assert.ok(moments.every((t, i) => i === 0 || t > moments[i - 1]), `moments ${moments}`);
  assert.notEqual(
    await page.evaluate(() => document.activeElement?.id),
    'lesson-steps',
    'the step list gives the keys back to the page',
  );
  await page.keyboard.press('Home');
  await agrees(page, moments, 'Home');
  return { page, errors, moments };
}

for (const viewport of SIZES) {
  const size = `${viewport.width}×${viewport.height}`;

  test(`${size}: the caption follows the moment under every way of moving in time`, async () => {
    const { page, errors, moments } = await openLesson(viewport);
    const n = moments.length;
    // The repro: → twelve times. Each → is Next (a second one while
    // on the way skips there); the caption never lags behind the canvas.
    for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
    const t = await agrees(page, moments, '→ ×12');
    assert.ok(t <= moments[n - 1], `→ stays within the lesson: ${t}`);
    await page.keyboard.press('Home');
    assert.equal(await agrees(page, moments, 'Home'), 0);
    // Space plays to the next step's moment and stops there.
    await page.keyboard.press(' ');
    assert.equal(await agrees(page, moments, 'Space'), moments[1]);
    // So does the header's Play button.
    await page.locator('#play').click();
    assert.equal(await agrees(page, moments, 'Play button'), moments[2]);
    // End, then Home.
    await page.keyboard.press('End');
    assert.equal(await agrees(page, moments, 'End'), moments[n - 1]);
    assert.ok(await page.locator('#lesson-next').isDisabled(), 'Next at the end');
    await page.keyboard.press('Home');
    assert.equal(await agrees(page, moments, 'Home'), 0);
    assert.ok(await page.locator('#lesson-back').isDisabled(), 'Back at the start');
    // Markers, forward and back.
    for (const key of [']', ']', ']', '[']) {
      await page.keyboard.press(key);
      await agrees(page, moments, `marker ${key}`);
    }
    // The ◀ ▶ event buttons under the timeline: between steps, "after step k".
    await page.locator('#lesson-steps').selectOption('2');
    await agrees(page, moments, 'step list');
    await page.getByRole('button', { name: 'Forward one event' }).click();
    const after = await agrees(page, moments, '▶ one event');
    assert.ok(after > moments[2] && after < moments[3], `one event after step 3: ${after}`);
    assert.match(await title(page), /after step 3 of/);
    await page.getByRole('button', { name: 'Back one event' }).click();
    await agrees(page, moments, '◀ one event');
    // ddg.seek, anywhere: exactly on a step, between steps, beyond.
    for (const t of [moments[3], moments[3] + 1, moments[4] - 1, Math.floor((moments[5] + moments[6]) / 2), 0]) {
      await page.evaluate((x) => window.ddg.seek(x), t);
      assert.equal(await agrees(page, moments, `ddg.seek(${t})`), t);
    }
    // Dragging the timeline.
    const strip = await page.locator('#timeline').boundingBox();
    const y = strip.y + strip.height / 2;
    await page.mouse.move(strip.x + strip.width * 0.2, y);
    await page.mouse.down();
    for (const f of [0.35, 0.5, 0.8]) {
      await page.mouse.move(strip.x + strip.width * f, y, { steps: 3 });
      await agrees(page, moments, `timeline drag to ${f}`);
    }
    await page.mouse.up();
    await agrees(page, moments, 'timeline released');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`${size}: clicker keys are Next and Back; blank-screen keys do not move time`, async () => {
    const { page, errors, moments } = await openLesson(viewport);
    await page.keyboard.press('PageDown');
    assert.equal(await agrees(page, moments, 'PageDown'), moments[1]);
    await page.keyboard.press('PageDown');
    assert.equal(await agrees(page, moments, 'PageDown'), moments[2]);
    await page.keyboard.press('PageUp');
    assert.equal(await agrees(page, moments, 'PageUp'), moments[1]);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await agrees(page, moments, '←'), 0);
    await page.keyboard.press('ArrowRight');
    assert.equal(await agrees(page, moments, '→'), moments[1]);
    // Between steps, Back returns to the step on screen first.
    await page.evaluate((x) => window.ddg.seek(x), moments[2] + 7);
    await agrees(page, moments, 'seek between steps');
    await page.keyboard.press('PageUp');
    assert.equal(await agrees(page, moments, 'PageUp between steps'), moments[2]);
    // `.` and `b` leave time alone.
    for (const key of ['.', 'b', '.', 'b']) {
      await page.keyboard.press(key);
      await page.waitForTimeout(50);
      assert.equal(await agrees(page, moments, `key ${key}`), moments[2]);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  test(`${size}: acting forks into free play, and "Back to the lesson" restores it exactly`, async () => {
    const { page, errors, moments } = await openLesson(viewport);
    await page.locator('#lesson-steps').selectOption('3');
    await agrees(page, moments, 'step 4');
    const before = await page.evaluate(() => JSON.stringify(window.ddg.status()));
    const caption = await page.locator('#lesson-text').textContent();
    await page.getByRole('button', { name: 'Kill the goose' }).click();
    const back = page.getByRole('button', { name: 'Back to the lesson, step 4' });
    await back.waitFor();
    assert.ok(await back.isVisible());
    assert.ok(!(await page.locator('#lesson-next').isVisible()), 'no Next while playing freely');
    await page.evaluate(() => window.ddg.exec('run 300ms'));
    await back.click();
    await page.locator('#lesson-title', { hasText: '— step 4 of' }).waitFor();
    assert.equal(await page.evaluate(() => JSON.stringify(window.ddg.status())), before);
    assert.equal(await page.locator('#lesson-text').textContent(), caption);
    assert.ok(page.url().endsWith(`#lesson=${LESSON}`), page.url());
    // And the lesson goes on from there.
    await page.keyboard.press('PageDown');
    assert.equal(await agrees(page, moments, 'Next after returning'), moments[4]);
    // Leaving on purpose keeps the way back too; Close forgets it.
    await page.getByRole('button', { name: 'Leave the lesson and play freely' }).click();
    await page.getByRole('button', { name: 'Back to the lesson, step 5' }).waitFor();
    await page.locator('#lesson-away').getByRole('button', { name: 'Close' }).click();
    await page.locator('#lesson').waitFor({ state: 'hidden' });
    assert.deepEqual(errors, []);
    await page.close();
  });
}
