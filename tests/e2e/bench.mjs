// The page benchmark (not a test): loads the page in headless Chromium and
// reports the time per frame (simulation step + drawing + panel updates, as
// measured inside App.frame) for 5, 25 and 101 nodes at default settings,
// and the size of what a visitor downloads, raw and gzipped.
//   node tests/e2e/bench.mjs [seconds per size]
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, root, ready } from './browser.mjs';

const seconds = Number(process.argv[2] || 6);
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.round((s.length - 1) * q))];
};

const server = await serve();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(server.url);
  await ready(page);
  console.log(`frame time, ${seconds}s per size, default settings (1/30x speed), 1440x1000 viewport`);
  console.log('nodes  frames  median ms   p99 ms   max ms   (sim / canvas / panels, smoothed ms)');
  for (const nodes of [5, 25, 101]) {
    await page.evaluate((n) => window.ddg.exec(`cluster nodes=${n} seed=1`), nodes);
    await page.waitForTimeout(seconds * 1000);
    const times = await page.evaluate(() => window.ddg.frameTimes());
    const parts = await page.evaluate(() => window.ddg.frameParts());
    const recent = times.slice(-Math.min(times.length, seconds * 50));
    console.log(
      `${String(nodes).padStart(5)}  ${String(recent.length).padStart(6)}  ${quantile(recent, 0.5).toFixed(3).padStart(9)}  ${quantile(recent, 0.99).toFixed(3).padStart(7)}  ${Math.max(...recent).toFixed(3).padStart(7)}   (${parts.map((p) => p.toFixed(2)).join(' / ')})`,
    );
  }
  console.log('\ntime travel: seek latency over 60 random seeks, and memory, 7 nodes, a fault every 30s');
  console.log('run length  build s  seek median ms  seek p95 ms  seek max ms  checkpoints MB  wasm memory MB');
  for (const minutes of [10, 60]) {
    const built = Date.now();
    await page.evaluate((m) => {
      window.ddg.exec('cluster nodes=7 seed=3');
      for (let i = 0; i < m * 2; i++) {
        window.ddg.exec('run 30s');
        window.ddg.exec(i % 2 ? 'revive n1' : 'kill n1');
        if (i % 3 === 0) window.ddg.exec(i % 2 ? 'heal' : 'partition n1,n2,n3 | n4,n5,n6,n7');
      }
    }, minutes);
    const buildS = (Date.now() - built) / 1000;
    const times = await page.evaluate(() => {
      const end = window.ddg.end();
      const out = [];
      let x = 0.5;
      for (let i = 0; i < 60; i++) {
        x = (x * 9301 + 0.49297) % 1; // a fixed walk over the run
        const t0 = performance.now();
        window.ddg.seek(Math.floor(x * end));
        out.push(performance.now() - t0);
      }
      return out;
    });
    const [footprint, wasm] = await page.evaluate(() => window.ddg.memory());
    console.log(
      `${String(minutes).padStart(6)} min  ${buildS.toFixed(1).padStart(7)}  ${quantile(times, 0.5).toFixed(2).padStart(14)}  ${quantile(times, 0.95).toFixed(2).padStart(11)}  ${Math.max(...times).toFixed(2).padStart(11)}  ${(footprint / 1048576).toFixed(2).padStart(14)}  ${(wasm / 1048576).toFixed(1).padStart(14)}`,
    );
  }
} finally {
  await browser.close();
  server.stop();
}

console.log('\nwhat a visitor downloads');
const files = ['index.html', 'pkg/main.js', 'pkg/style.css', 'www/icon.svg', 'pkg/duckduckgoose.js', 'pkg/duckduckgoose_bg.wasm'];
let raw = 0;
let gz = 0;
for (const f of files) {
  const data = fs.readFileSync(path.join(root, f));
  const z = zlib.gzipSync(data, { level: 9 }).length;
  raw += data.length;
  gz += z;
  console.log(`${f.padEnd(28)} ${String(data.length).padStart(8)} B  ${String(z).padStart(7)} B gzip`);
}
console.log(`${'total'.padEnd(28)} ${String(raw).padStart(8)} B  ${String(gz).padStart(7)} B gzip`);
