// The lessons, end to end: every lesson opens from the menu and can be walked
// caption by caption from first to last (Next plays to the next caption's
// moment), and back; a lesson opens from a link; leaving a lesson keeps the
// run and a way back to it; no console errors anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { root, usePage } from './browser.mjs';

const artifacts = path.join(root, 'tests/e2e/artifacts');
const ctx = usePage();

const open = (url) => ctx.open(url);

const stepOf = async (page) => {
  const title = await page.locator('#lesson-title').textContent();
  const m = title.match(/step (\d+) of (\d+)$/);
  assert.ok(m, title);
  return [Number(m[1]), Number(m[2])];
};

test('every lesson can be walked from its first caption to its last, and back', async () => {
  const { page, errors } = await open();
  await page.locator('#in-speed').fill('0'); // real time: each step plays quickly
  await page.getByRole('button', { name: 'Lessons', exact: true }).click();
  const count = await page.locator('#lessons-list button').count();
  assert.ok(count >= 7, `${count} lessons`);
  await page.keyboard.press('Escape');
  for (let i = 0; i < count; i++) {
    await page.getByRole('button', { name: 'Lessons', exact: true }).click();
    const button = page.locator('#lessons-list button').nth(i);
    const name = await button.textContent();
    await button.click();
    const title = name.replace(/^\d+\.\s*/, '');
    await page.locator('#lesson-title', { hasText: `${title} — step 1 of` }).waitFor();
    let [step, total] = await stepOf(page);
    assert.equal(step, 1, name);
    assert.ok(total >= 6, `${name}: ${total} captions`);
    const captions = new Set();
    while (step < total) {
      const caption = await page.locator('#lesson-text').textContent();
      assert.ok(caption.trim().length > 10, `${name} step ${step}: "${caption}"`);
      captions.add(caption);
      await page.locator('#lesson-next').click();
      await page.waitForFunction(
        (s) => document.getElementById('lesson-title').textContent.endsWith(`step ${s} of ${document.getElementById('lesson-title').textContent.match(/of (\d+)$/)[1]}`),
        step + 1,
        { timeout: 20000 },
      );
      [step, total] = await stepOf(page);
    }
    captions.add(await page.locator('#lesson-text').textContent());
    assert.equal(captions.size, total, `${name}: every caption differs`);
    assert.ok(await page.locator('#lesson-next').isDisabled(), `${name}: Next ends at the last caption`);
    await page.screenshot({ path: path.join(artifacts, `lesson-${i + 1}.png`) });
    await page.getByRole('button', { name: '◂ Back' }).click();
    await page.locator('#lesson-title', { hasText: `step ${total - 1} of ${total}` }).waitFor();
  }
  await page.getByRole('button', { name: 'Leave the lesson and play freely' }).click();
  await page.getByRole('button', { name: /^Back to the lesson, step \d+$/ }).waitFor();
  await page.locator('#lesson-away').getByRole('button', { name: 'Close' }).click();
  await page.locator('#lesson').waitFor({ state: 'hidden' });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson opens from a link, and the amnesia lesson shows the violation', async () => {
  const { page, errors } = await open(`${ctx.server.url}#lesson=07-amnesia`);
  await page.locator('#lesson').waitFor();
  assert.match(await page.locator('#lesson-title').textContent(), /step 1 of \d+$/);
  await page.evaluate(() => window.ddg.seek(window.ddg.end()));
  await page.locator('#banner.bad').waitFor();
  assert.match(await page.locator('#banner-text').textContent(), /election safety/);
  await page.screenshot({ path: path.join(artifacts, 'lesson-amnesia-violation.png') });
  assert.deepEqual(errors, []);
  await page.close();
});
