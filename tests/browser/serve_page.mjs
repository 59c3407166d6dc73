// Headless Chromium on the latent serve page: draw a 7, wait for the reconstruction, the
// neighbours, the anomaly score and the variations, check them (page_checks.mjs), save a screenshot.
// Usage: node serve_page.mjs URL SCREENSHOT.png
import { chromium } from 'playwright-core';
import { drawSeven, answered, pageState, overflow, problems } from './page_checks.mjs';

const [url, screenshot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const fail = async (message) => {
  console.error('FAIL: ' + message);
  await browser.close();
  process.exit(1);
};
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  await drawSeven(page.mouse, await page.locator('#pad').boundingBox());
  await page.waitForFunction(answered, null, { timeout: 15000 });
  await page.waitForTimeout(300);  // a last live update may still be drawing

  const state = await page.evaluate(pageState);
  console.log(JSON.stringify(state));
  if (errors.length) await fail('page errors: ' + errors.join('; '));
  const found = problems(state);
  if (found.length) await fail(found.join('; '));

  // A picture of another size and colour, chosen with the file input: the server fits it to 28x28.
  const before = await page.evaluate(() => Number(document.body.dataset.updated));
  await page.setInputFiles('#upload', new URL('../images/query_48x36.jpg', import.meta.url).pathname);
  await page.waitForFunction((n) => Number(document.body.dataset.updated) > n, before, { timeout: 15000 });
  const upload = await page.evaluate(() => ({
    preview: document.querySelector('#upload-preview').src.startsWith('blob:'),
    neighbours: document.querySelectorAll('#neighbours .hit').length,
    model: document.querySelector('#model-line').textContent,
  }));
  if (!upload.preview || upload.neighbours !== 8 || upload.model.startsWith('error'))
    await fail('the uploaded picture was not answered: ' + JSON.stringify(upload));

  // Phone-sized screen: the pad still fits and everything is reachable without sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  const wider = await page.evaluate(overflow);
  if (wider > 0) await fail(`the page is ${wider}px wider than a phone screen`);

  await page.setViewportSize({ width: 1100, height: 860 });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log('browser test: ok, screenshot ' + screenshot);
} catch (e) {
  await fail(e.stack || String(e));
}
await browser.close();
