// Content-Security-Policy checks shared by the end-to-end tests: every
// `securitypolicyviolation` the page reports, and every console message
// about a refused resource, is collected before any of the page's scripts
// run.
import { ready } from './browser.mjs';

/// Opens `url` in a new tab of `browser` with the policy watched; returns
/// the page and the list that fills with violations.
export async function openWatched(browser, url, options = {}) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...options });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const refused = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
  });
  await page.goto(url);
  await ready(page);
  const violations = async () => [...(await page.evaluate(() => window.__csp)), ...refused];
  return { page, violations };
}
