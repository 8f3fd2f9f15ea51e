// Live mode, end to end: a real three-node cluster (`ddg cluster up`, the
// release binary) on loopback serves the page; the page draws its goose,
// kills it through the page's own button, sees a new goose with the old one
// dead, and scrubs back to when the old goose still led. Processes and the
// temporary directory are cleaned up even when a step fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, launch } from './browser.mjs';
import { openWatched } from './csp.mjs';

const ddg = path.join(root, 'target/release/ddg');
const artifacts = path.join(root, 'tests/e2e/artifacts');

/// Waits until `check()` returns a truthy value (polling), or fails with
/// `what` after `ms` (generous: the machine may be loaded).
async function until(what, check, ms = 45000) {
  const start = Date.now();
  let last;
  while (Date.now() - start < ms) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(String(last))})`);
}

/// Starts `ddg cluster up` with three nodes on ports picked from the process
/// id (retrying on a collision), in its own process group.
async function startCluster(dir) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const base = 20000 + ((process.pid * 7 + attempt * 97) % 400) * 100;
    const port = base;
    const child = spawn(ddg, ['cluster', 'up', '--nodes', '3', '--dir', path.join(dir, `c${attempt}`),
      '--port', String(port), '--peer-base', String(base + 10), '--http-base', String(base + 20)], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const up = await until('the cluster to start', async () => {
      if (child.exitCode !== null) return 'exited';
      const r = await fetch(`http://127.0.0.1:${port}/cluster/roles`);
      return r.ok ? 'up' : false;
    }, 30000).catch(() => 'timeout');
    if (up === 'up') return { child, url: `http://127.0.0.1:${port}/`, stderr: () => stderr };
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  throw new Error('no ports free for a cluster');
}

const status = (page) => page.evaluate(() => window.ddg.status());
const geese = (s) => (s?.nodes ?? []).filter((n) => n.role === 'goose').map((n) => n.id);

test('Live mode draws a real cluster, kills its goose from the page and replays what happened', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddg-live-e2e-'));
  let cluster;
  let browser;
  try {
    cluster = await startCluster(dir);
    browser = await launch();
    // The page as `ddg cluster up` serves it, under its Content-Security-Policy.
    const { page, violations } = await openWatched(browser, `${cluster.url}#live`);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const first = await until('one goose on the page', async () => {
      const g = geese(await status(page));
      return g.length === 1 ? g[0] : false;
    });
    await until('the page to follow the live cluster',
      async () => (await page.locator('#replay').textContent()).includes('live'));
    const before = await page.evaluate(() => window.ddg.end());
    assert.equal(await page.getByRole('button', { name: 'Step', exact: true }).isDisabled(), true,
      'Step means nothing on a real cluster');
    await page.getByRole('button', { name: 'Kill the goose' }).click();
    const second = await until('a new goose, the old one dead', async () => {
      const s = await status(page);
      const g = geese(s);
      const old = s.nodes.find((n) => n.id === first);
      return g.length === 1 && g[0] !== first && old.role === 'dead' ? g[0] : false;
    });
    assert.notEqual(second, first);

    // A paused process (SIGSTOP) stops answering: unreachable, not dead;
    // resumed, it answers again.
    const duck = [1, 2, 3].map((k) => `n${k}`).find((n) => n !== first && n !== second);
    const control = (what) => fetch(`${cluster.url}cluster/${what}?node=${duck}`, { method: 'POST' })
      .then((r) => assert.equal(r.status, 200, `${what} ${duck}`));
    await control('pause');
    await until(`${duck} shown unreachable`, async () => {
      const s = await status(page);
      return s.nodes.find((n) => n.id === duck).role === 'unreachable'
        && s.nodes.find((n) => n.id === first).role === 'dead';
    });
    // The node list says so too, not the last role heard.
    await page.locator(`#role-${duck}`, { hasText: 'unreachable' }).waitFor({ timeout: 10000 });
    const banner = await page.locator('#banner-text').textContent();
    assert.doesNotMatch(banner, /Violated/, banner);
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'live.png') });
    await control('resume');
    await until(`${duck} answering again`, async () => {
      const s = await status(page);
      return s.nodes.find((n) => n.id === duck).role === 'duck';
    });

    // Back to before the kill: the recording shows the old goose leading.
    await page.evaluate((t) => window.ddg.seek(t), before);
    const past = await status(page);
    assert.deepEqual(geese(past), [first], JSON.stringify(past));
    // The replay label follows on the next frame.
    await page.locator('#replay', { hasText: 'replaying' }).waitFor({ timeout: 10000 });
    assert.deepEqual(errors, []);
    assert.deepEqual(await violations(), [], 'no Content-Security-Policy violation in Live mode');
  } finally {
    await browser?.close();
    if (cluster) {
      try { process.kill(-cluster.child.pid, 'SIGTERM'); } catch { /* gone */ }
      await new Promise((r) => setTimeout(r, 500));
      try { process.kill(-cluster.child.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
