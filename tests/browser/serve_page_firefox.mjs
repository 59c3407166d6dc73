// Headless Firefox on the latent serve page, driven over WebDriver BiDi by puppeteer-core
// (playwright drives only its own patched Firefox builds, not Debian's firefox-esr): the same
// drawing and checks as the Chromium test (page_checks.mjs), and a screenshot.
// Usage: node serve_page_firefox.mjs URL SCREENSHOT.png
import puppeteer from 'puppeteer-core';
import { drawSeven, answered, pageState, overflow, problems } from './page_checks.mjs';

const [url, screenshot] = process.argv.slice(2);
const browser = await puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true });
const fail = async (message) => {
  console.error('FAIL: ' + message);
  await browser.close();
  process.exit(1);
};
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 860 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30000 });
  await drawSeven(page.mouse, await (await page.$('#pad')).boundingBox());
  await page.waitForFunction(answered, { timeout: 30000 });
  await new Promise((done) => setTimeout(done, 300));  // a last live update may still be drawing

  const state = await page.evaluate(pageState);
  console.log(JSON.stringify(state));
  if (errors.length) await fail('page errors: ' + errors.join('; '));
  const found = problems(state);
  if (found.length) await fail(found.join('; '));

  await page.setViewport({ width: 390, height: 844 });
  const wider = await page.evaluate(overflow);
  if (wider > 0) await fail(`the page is ${wider}px wider than a phone screen`);

  await page.setViewport({ width: 1100, height: 860 });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log('browser test: ok, screenshot ' + screenshot);
} catch (e) {
  await fail(e.stack || String(e));
}
await browser.close();
