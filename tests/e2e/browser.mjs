// Shared helpers for the end-to-end tests and the page benchmark: start a
// static server for the repository root and launch Debian's Chromium.
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import net from 'node:net';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/// Serves the repository root over HTTP (wasm will not load from file://),
/// optionally under a sub-path, as any static host would.
export async function serve() {
  const port = await freePort();
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], {
    cwd: root,
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      await new Promise((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1', resolve);
        sock.on('error', reject);
        sock.on('connect', () => sock.end());
      });
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url: `http://127.0.0.1:${port}/`, stop: () => server.kill() };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/// Opens the page in a new tab and collects its console errors, uncaught
/// exceptions and failed requests in `errors`; waits for `window.ddg`.
export async function openPage(browser, url, options = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...options });
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(url);
  await ready(page);
  return { page, errors };
}

/// Waits until the page (or a frame) has started: `window.ddg` exists.
/// Generous: a page opened with a heavy link starts only after refusing it,
/// which takes seconds on a loaded 2-core machine.
export async function ready(page) {
  await page.waitForFunction(() => window.ddg !== undefined, null, { timeout: 60000 });
}

/// For a test file: serves the page and launches Chromium before its tests,
/// stops both after them. `open(url)` opens the page (the served root by
/// default) as `openPage` does.
export function usePage(options = {}) {
  const ctx = {};
  before(async () => {
    ctx.server = await serve();
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    ctx.server?.stop();
  });
  ctx.open = (url) => openPage(ctx.browser, url ?? ctx.server.url, options);
  return ctx;
}

/// Runs one scenario line through the page's API (window.ddg.exec).
export const exec = (page, line) => page.evaluate((l) => window.ddg.exec(l), line);

/// The accessible description of `locator`, from its aria-describedby.
export const description = (locator) =>
  locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') || '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? '')
      .join(' '),
  );
