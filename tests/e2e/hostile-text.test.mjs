// Text from links and files stays text (issue 11 §6): hostile payloads in a
// `say` caption, a `# title:` line, a scenario line and a file name, arriving
// through a link (a shared run, and a lesson whose fetched text was tampered
// with), the file chooser and a drop, are shown literally where the page
// shows them (the caption, the step list, the event log, the notice), inject
// no element, and open no dialog.
//
// Lesson titles come from the build (build.rs reads www/lessons/); a `# title:`
// line arriving at run time is a comment, so it must show nowhere, and the
// lesson keeps its built-in title.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, usePage, ready } from './browser.mjs';

const ctx = usePage();

// Each payload is a sentence of its own (no `. ` inside, under 60
// characters), so the step list shows it whole, and has no bird word, so the
// vocabulary switch leaves it alone.
const PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(2)</script>',
  '"><svg onload=alert(3)>',
  "javascript:alert(4)//'\"`",
  '<a href="javascript:alert(5)">click</a>&amp;&lt;',
  '\u202Eevil\u200B\u200Dtxt\u2066<b>x</b>\u2069', // RTL override, zero-width, isolates
  '<iframe src=javascript:alert(7)></iframe>',
];
// A scenario "command" without spaces, echoed by the parser's error.
const COMMAND = '<svg/onload=alert(8)>';
const TITLE = '# title: <img src=x onerror=alert(9)> "><script>alert(10)</script>';
const NAME = '<img src=x onerror=alert(11)>\u202Egnp.ddg';

/// A scenario whose captions are the payloads, one step each.
function scenario() {
  const lines = [TITLE, 'cluster nodes=3 seed=1'];
  for (const p of PAYLOADS) lines.push(`say ${p}`, 'run 50ms');
  return `${lines.join('\n')}\n`;
}

/// What could only be there if text became markup: elements that run or
/// load something, inline event handlers, `javascript:` addresses.
const SNIFF = () => ({
  // The page draws its own SVG charts (the stats histogram, the experiment
  // plot) from numbers only; they appear once elections have happened.
  elements: [...document.querySelectorAll('img, script, svg, iframe, object, embed, a, b')].filter(
    (el) => !el.closest('#stat-hist, #exp-plot'),
  ).length,
  handlers: [...document.querySelectorAll('*')].flatMap((el) =>
    [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName} ${a.name}`),
  ),
  javascript: [...document.querySelectorAll('[href], [src], [action]')]
    .map((el) => el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action'))
    .filter((v) => /^\s*javascript:/i.test(v)),
});

/// Opens `url` in a fresh tab that fails the test on any dialog, with the
/// lessons' texts replaced by `lesson` when given.
async function openHostile(url, lesson) {
  const page = await ctx.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('dialog', async (d) => {
    problems.push(`dialog: ${d.type()} ${d.message()}`);
    await d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  if (lesson) await page.route('**/lessons/*.ddg', (route) => route.fulfill({ body: lesson, contentType: 'text/plain' }));
  await page.goto(url);
  await ready(page);
  return { page, problems };
}

let clean;
/// The same measures on the untouched page.
async function baseline() {
  if (!clean) {
    const { page, problems } = await openHostile(ctx.server.url);
    clean = await page.evaluate(SNIFF);
    assert.deepEqual(problems, []);
    await page.close();
  }
  return clean;
}

/// Nothing was injected, and no dialog opened (given a moment to fire).
async function assertInert(page, problems, what) {
  await page.waitForTimeout(300);
  assert.deepEqual(await page.evaluate(SNIFF), await baseline(), what);
  assert.deepEqual(problems, [], what);
}

const text = (page, selector) => page.locator(selector).textContent();
const logText = (page) => page.locator('#log').textContent();

test('hostile captions and titles in a tampered lesson opened by a link stay text', async () => {
  const { page, problems } = await openHostile(`${ctx.server.url}#lesson=01-first-election`, scenario());
  await page.locator('#lesson-text').waitFor();
  await page.waitForFunction((p) => document.getElementById('lesson-text').textContent === p, PAYLOADS[0]);
  const title = await text(page, '#lesson-title');
  const builtIn = fs
    .readFileSync(path.join(root, 'www/lessons/01-first-election.ddg'), 'utf8')
    .match(/^# title:(.*)$/m)[1]
    .trim();
  assert.ok(title.startsWith(`${builtIn} — step 1 of ${PAYLOADS.length}`), `built-in title, not the fetched one: ${title}`);
  const steps = await page.locator('#lesson-steps option').allTextContents();
  assert.deepEqual(
    steps,
    PAYLOADS.map((p, k) => `${k + 1}. ${p}`),
  );
  for (const [k, p] of PAYLOADS.entries()) {
    await page.locator('#lesson-steps').selectOption(String(k));
    await page.waitForFunction((p) => document.getElementById('lesson-text').textContent === p, p);
  }
  const body = await page.evaluate(() => document.body.textContent);
  assert.ok(!body.includes('alert(9)') && !body.includes('alert(10)'), 'the # title: line shows nowhere');
  await assertInert(page, problems, 'lesson');
  await page.close();
});

test('a hostile shared run, and a broken one, stay text', async () => {
  const encode = (s) => s.trimEnd().replace(/[^A-Za-z0-9\-.,=:]/g, (c) =>
    c === ' ' ? '_' : c === '\n' ? ';' : [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  // The page's own link format: `_` for a space, `;` for a line break.
  const good = await openHostile(`${ctx.server.url}#run=${encode(scenario())}`);
  await good.page.waitForFunction(() => window.ddg.status().t_us === 350000);
  assert.match(await logText(good.page), /Loaded from the link: 3 nodes, seed 1\./);
  await assertInert(good.page, good.problems, 'shared run');
  await good.page.close();

  const broken = await openHostile(`${ctx.server.url}#run=${encode(`${scenario()}${COMMAND}\n`)}`);
  await broken.page.locator('#notice').waitFor();
  const notice = await text(broken.page, '#notice-text');
  assert.ok(
    notice.startsWith(`The link could not be loaded: line ${2 + 2 * PAYLOADS.length + 1}: unknown command \`${COMMAND}\``),
    notice,
  );
  await assertInert(broken.page, broken.problems, 'broken shared run');
  await broken.page.close();
});

test('hostile files and file names, picked or dropped, stay text', async () => {
  const { page, problems } = await openHostile(ctx.server.url);
  const pick = (name, body) =>
    page.locator('#import').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(body) });
  const drop = (name, body) =>
    page.evaluate(
      ([name, body]) => {
        const data = new DataTransfer();
        data.items.add(new File([body], name, { type: 'text/plain' }));
        document.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      },
      [name, body],
    );
  for (const [how, deliver] of [['picked', pick], ['dropped', drop]]) {
    // A good file: its name is in the event log, literally.
    await page.evaluate(() => window.ddg.exec('cluster nodes=5 seed=2'));
    await deliver(NAME, scenario());
    await page.waitForFunction(() => window.ddg.status().nodes.length === 3);
    // The event log shows it at the next frame.
    const loaded = `Loaded from the ${NAME}: 3 nodes, seed 1.`;
    await page
      .waitForFunction((w) => document.getElementById('log').textContent.includes(w), loaded, { timeout: 5000 })
      .catch(() => {});
    assert.ok((await logText(page)).includes(loaded), how);
    await assertInert(page, problems, `${how} file`);
    // A broken one: its name and the bad line are in the notice, literally.
    await deliver(`${how} ${NAME}`, `${scenario()}${COMMAND}\n`);
    const want = `The ${how} ${NAME} could not be loaded: line ${2 + 2 * PAYLOADS.length + 1}: unknown command \`${COMMAND}\``;
    await page.waitForFunction((w) => document.getElementById('notice-text').textContent.startsWith(w), want);
    assert.equal((await page.evaluate(() => window.ddg.status())).nodes.length, 3, 'the run stays');
    await assertInert(page, problems, `broken ${how} file`);
  }
  await page.close();
});
