// Membership in the page (dissertation §4): Hatch a duck adds a node that
// first shows as an egg caught up by the goose, then joins; the inspector
// removes a node; refusals say the core's reason; the node count changes the
// members live, one at a time; and a link and an export with add and remove
// replay the same run (in the page and under `ddg run`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root, usePage, exec } from './browser.mjs';

const ddg = path.join(root, 'target/release/ddg');
const ctx = usePage();
const status = (page) => page.evaluate(() => window.ddg.status());
const member = (s, id) => s.nodes.find((n) => n.id === id)?.member !== false;

/// A paused 5-node run with seed 1 whose goose (n2) has committed its no-op.
async function calmRun(page) {
  await exec(page, 'cluster nodes=5 seed=1');
  await page.keyboard.press(' '); // pause
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  await exec(page, 'run 300ms');
}

test('Hatch a duck: an egg caught up as a non-voter, then a member', async () => {
  const { page, errors } = await ctx.open();
  await calmRun(page);
  await page.getByRole('button', { name: 'Hatch a duck' }).click();
  let s = await status(page);
  assert.equal(s.nodes.length, 6);
  assert.equal(member(s, 'n6'), false, 'an egg first');
  await page.keyboard.press('6');
  await page.locator('#ins-member', { hasText: 'catching it up' }).waitFor();
  await exec(page, 'run 200ms');
  s = await status(page);
  assert.ok(member(s, 'n6'), 'n6 joined');
  await exec(page, 'expect n2.members = 6');
  await page.locator('#ins-member', { hasText: 'yes' }).waitFor();
  assert.match(await page.locator('#log').innerText(), /n6 hatched/);
  // The key does the same: n7.
  await page.keyboard.press('a');
  assert.equal((await status(page)).nodes.length, 7);
  assert.deepEqual(errors, []);
  await page.close();
});

test('removing the inspected node, and refusals with the core reason', async () => {
  const { page, errors } = await ctx.open();
  await exec(page, 'cluster nodes=5 seed=1');
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  // No goose yet.
  await page.getByRole('button', { name: 'Hatch a duck' }).click();
  await page.locator('#notice-text', { hasText: 'No goose' }).waitFor();
  assert.equal((await status(page)).nodes.length, 5);
  await exec(page, 'run 300ms');
  await page.keyboard.press('3');
  await page.getByRole('button', { name: 'Remove n3' }).click();
  await exec(page, 'expect n2.members = 4'); // in effect on the goose at once (§4.1)
  // A second change while the first is not committed: refused, with why.
  await page.keyboard.press('4');
  await page.keyboard.press('Delete');
  await page.locator('#notice-text', { hasText: 'one change at a time' }).waitFor();
  await exec(page, 'expect n2.members = 4');
  await exec(page, 'run 200ms');
  await page.locator('#ins-member', { hasText: 'yes' }).waitFor();
  await page.keyboard.press('3');
  await page.locator('#ins-member', { hasText: 'removed' }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('the 2-node warning and the last member refused', async () => {
  const { page, errors } = await ctx.open();
  await exec(page, 'cluster nodes=2 seed=1');
  await page.keyboard.press(' ');
  await exec(page, 'run 1s');
  const goose = (await status(page)).nodes.find((n) => n.role === 'goose').id;
  const duck = goose === 'n1' ? 'n2' : 'n1';
  await page.keyboard.press(duck.slice(1));
  await page.getByRole('button', { name: `Remove ${duck}` }).click();
  await page.locator('#notice-text', { hasText: 'tolerates no failure' }).waitFor();
  await exec(page, 'run 1s');
  await page.keyboard.press(goose.slice(1));
  await page.getByRole('button', { name: `Remove ${goose}` }).click();
  await page.locator('#notice-text', { hasText: 'last member' }).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('the node count changes the members live, one at a time', async () => {
  const { page, errors } = await ctx.open();
  await calmRun(page);
  await page.getByLabel('Number of nodes').fill('7');
  await page.getByLabel('Number of nodes').press('Tab');
  await page.locator('#msg-nodes', { hasText: 'One change at a time' }).waitFor();
  let s = await status(page);
  assert.equal(s.nodes.length, 6, 'one node added, not a new run');
  assert.ok(s.t_us >= 300000, 'the same run goes on');
  await exec(page, 'run 200ms');
  await page.getByLabel('Number of nodes').fill('7');
  await page.getByLabel('Number of nodes').press('Tab');
  // The page reads the form in its next frame: wait for n7 to hatch before
  // running on (running first made the change start 200 ms late, a flake).
  await page.waitForFunction(() => window.ddg.status().nodes.length === 7);
  await exec(page, 'run 200ms');
  await exec(page, 'expect n2.members = 7');
  await page.getByLabel('Number of nodes').fill('16');
  await page.getByLabel('Number of nodes').press('Tab');
  await page.locator('#msg-nodes', { hasText: 'from 1 to 15' }).waitFor();
  // Reset: a new run with the members' count.
  await page.getByRole('button', { name: 'Reset' }).click();
  s = await status(page);
  assert.equal(s.nodes.length, 7);
  assert.ok(s.nodes.every((n) => n.member !== false));
  assert.ok(s.t_us < 300000, 'a new run');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a link and an export with add and remove replay the same run', async () => {
  const { page, errors } = await ctx.open();
  await calmRun(page);
  await page.getByRole('button', { name: 'Hatch a duck' }).click();
  await exec(page, 'run 200ms');
  await exec(page, 'remove n3');
  await exec(page, 'run 150ms');
  await exec(page, 'remove goose');
  await exec(page, 'run 500ms');
  const end = await status(page);
  assert.equal(member(end, 'n3'), false);
  assert.equal(member(end, 'n6'), true);
  const link = await page.evaluate(() => window.ddg.link());
  const script = await page.evaluate(() => window.ddg.script());
  assert.match(script, /add n6/);
  await page.close();
  const other = await ctx.open(link);
  await other.page.evaluate(() => window.ddg.seek(window.ddg.end()));
  assert.deepEqual(await status(other.page), end, 'the link replays the same run');
  assert.deepEqual(other.errors, []);
  await other.page.close();
  const out = execFileSync(ddg, ['run', '-'], { input: `${script}status\n` }).toString().trim();
  assert.deepEqual(JSON.parse(out), end, 'ddg run replays the export');
  assert.deepEqual(errors, []);
});
