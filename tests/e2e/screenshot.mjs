// Takes a screenshot of the page: node tests/e2e/screenshot.mjs OUT.png [WIDTHxHEIGHT] [ms to wait] [script lines…]
// URL=?embed#lesson=01-first-election appends to the page's address; PREFS='{"ddg.dark":"1"}' sets
// stored preferences first; FULL=0 shoots the window only.
import { serve, launch, ready } from './browser.mjs';

const [out = 'screenshot.png', size = '1440x1000', wait = '2500', ...lines] = process.argv.slice(2);
const [width, height] = size.split('x').map(Number);
const server = await serve();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
  page.on('console', (m) => console.log(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`pageerror: ${e}`));
  if (process.env.PREFS) {
    await page.addInitScript((prefs) => {
      for (const [k, v] of Object.entries(JSON.parse(prefs))) localStorage.setItem(k, v);
    }, process.env.PREFS);
  }
  await page.goto(server.url + (process.env.URL || ''));
  await ready(page);
  for (const line of lines) {
    if (line.startsWith('key:')) await page.keyboard.press(line.slice(4));
    else if (line.startsWith('shot:')) await page.locator('#canvas').screenshot({ path: line.slice(5) });
    else if (line.startsWith('wait:')) await page.waitForTimeout(Number(line.slice(5)));
    else if (line.startsWith('js:')) await page.evaluate(line.slice(3));
    else if (line.startsWith('click:')) await page.getByRole('button', { name: line.slice(6), exact: true }).click();
    else await page.evaluate((l) => window.ddg.exec(l), line);
  }
  await page.waitForTimeout(Number(wait));
  await page.screenshot({ path: out, fullPage: process.env.FULL !== '0' });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
  server.stop();
}
