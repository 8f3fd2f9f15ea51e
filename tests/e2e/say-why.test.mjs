// Say why, the settings form and the seed link, end to end: a control that
// cannot act is disabled with its reason as accessible description; the
// inspector says why a forced timeout is refused and offers the classic
// demo; the settings form keeps what was typed and applies it once
// consistent, with units; the run's seed links to this very run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage, exec, description } from './browser.mjs';

const ctx = usePage();

test('controls that cannot act are disabled and say why', async () => {
  const { page, errors } = await ctx.open();
  await exec(page, 'cluster nodes=5 seed=1');
  await page.keyboard.press(' '); // pause
  const kill = page.getByRole('button', { name: 'Kill the goose' });
  await page.waitForFunction(() => document.getElementById('kill-goose').disabled);
  assert.match(await description(kill), /no goose/);
  await exec(page, 'run 400ms');
  await page.waitForFunction(() => !document.getElementById('kill-goose').disabled);
  assert.equal(await kill.getAttribute('aria-describedby'), null);
  const { nodes } = await page.evaluate(() => window.ddg.status());
  const goose = nodes.findIndex((n) => n.role === 'goose') + 1;
  const duck = (goose % 5) + 1;
  // The goose's Timeout: disabled, with the reason.
  const tick = page.locator(`#tick-n${goose}`);
  await page.waitForFunction((id) => document.getElementById(id).disabled, `tick-n${goose}`);
  assert.match(await description(tick), /no election timer/);
  // A duck bound by a lease: disabled, and its inspector says why and offers
  // the classic demo.
  await page.waitForFunction((id) => document.getElementById(id).disabled, `tick-n${duck}`);
  assert.match(await description(page.locator(`#tick-n${duck}`)), /lease/);
  await page.keyboard.press(String(duck));
  await page.locator('#ins-why', { hasText: 'lease' }).waitFor();
  assert.match(await page.locator('#ins-lastvote').textContent(), /voted for n\d in term 1/);
  await page.getByRole('button', { name: 'Turn CheckQuorum off (the classic demo)' }).click();
  await exec(page, 'run 400ms');
  await page.waitForFunction((id) => !document.getElementById(id).disabled, 'ins-tick');
  await page.locator('#ins-tick').click();
  await exec(page, 'run 100ms');
  const after = await page.evaluate(() => window.ddg.status());
  assert.equal(after.nodes[duck - 1].role, 'goose', `n${duck} forced and won: ${JSON.stringify(after)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the settings form keeps what was typed and applies it once consistent', async () => {
  const { page, errors } = await ctx.open();
  await exec(page, 'cluster nodes=5 seed=3 election=12ms..24ms');
  await page.keyboard.press(' ');
  await page.locator('#in-election-min').fill('150');
  await page.locator('#in-election-min').press('Tab');
  await page.locator('#msg-election-min', { hasText: 'above the maximum' }).waitFor();
  assert.match(await page.evaluate(() => window.ddg.script()), /election=12ms\.\.24ms/);
  await page.locator('#in-election-max').fill('300ms');
  await page.locator('#in-election-max').press('Tab');
  await page.waitForFunction(() => /election=150ms\.\.300ms/.test(window.ddg.script()));
  assert.equal(await page.locator('#in-election-min').inputValue(), '150');
  assert.equal(await page.locator('#msg-election-min').textContent(), '');
  await page.locator('#in-loss').fill('30%');
  await page.locator('#in-loss').press('Tab');
  await page.waitForFunction(() => /loss=30%/.test(window.ddg.script()));
  assert.equal(await page.locator('#msg-loss').textContent(), '');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the seed is visible on the default page and links to this very run', async () => {
  const { page, errors } = await ctx.open();
  const seed = (await page.evaluate(() => window.ddg.script())).match(/seed=(\d+)/)[1];
  const link = page.locator('#seed-link');
  // Shown while the first run plays, before anybody pauses it.
  assert.equal(await page.locator('#play').textContent(), 'Pause', 'the run plays');
  await link.filter({ hasText: `Seed ${seed}` }).waitFor({ timeout: 2000 });
  await page.keyboard.press(' ');
  await link.filter({ hasText: `Seed ${seed}` }).waitFor();
  const href = await link.getAttribute('href');
  assert.ok(href.includes('#'), href);
  const { page: again } = await ctx.open(href);
  await again.waitForFunction(() => window.ddg.script().length > 0);
  assert.match(await again.evaluate(() => window.ddg.script()), new RegExp(`seed=${seed}\\b`));
  assert.deepEqual(errors, []);
  await again.close();
  await page.close();
});

test('every ✖ in the message inspector says why, with the rule\'s section', async () => {
  const { page, errors } = await ctx.open(`${ctx.server.url}#lesson=03-split-vote`);
  await page.locator('#lesson-title', { hasText: 'step 1 of' }).waitFor();
  // Step 3: n3 and n4 have voted, and four ✖ are in the air.
  await page.locator('#lesson-steps').selectOption('2');
  await page.locator('#lesson-title', { hasText: '— step 3 of' }).waitFor();
  let denials = 0;
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('m');
    await page.locator('#ins-kind').waitFor();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    if ((await page.locator('#ins-kind').textContent()) !== 'vote denied') continue;
    denials++;
    const from = await page.locator('#ins-from').textContent();
    const why = page.locator('#ins-reason');
    await why.filter({ hasText: '§5.2' }).waitFor();
    assert.match(await why.textContent(), new RegExp(`^${from} already voted for n\\d in term 1`));
  }
  assert.equal(denials, 4, 'the four ✖ in flight');
  assert.deepEqual(errors, []);
  await page.close();
});
