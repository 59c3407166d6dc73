// Headless Chromium on the latent serve page: draw a 7, wait for the reconstruction, the
// neighbours, the anomaly score and the variations, check them, save a screenshot.
// Usage: node serve_page.mjs URL SCREENSHOT.png
import { chromium } from 'playwright-core';

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

  // A 7: a stroke across the top, then down to the bottom left, drawn in small mouse steps.
  const box = await page.locator('#pad').boundingBox();
  const at = (x, y) => [box.x + x * box.width / 280, box.y + y * box.height / 280];
  await page.mouse.move(...at(70, 70));
  await page.mouse.down();
  await page.mouse.move(...at(210, 70), { steps: 12 });
  await page.mouse.move(...at(120, 230), { steps: 16 });
  await page.mouse.up();

  await page.waitForFunction(() => Number(document.body.dataset.updated || 0) >= 1 &&
    document.querySelector('#recon').src.startsWith('data:image/png') &&
    document.querySelectorAll('#neighbours .hit').length > 0, null, { timeout: 15000 });
  await page.waitForTimeout(300);  // a last live update may still be drawing

  const state = await page.evaluate(() => {
    const small = document.querySelector('#small').getContext('2d').getImageData(0, 0, 28, 28).data;
    let ink = 0, mass = 0, cx = 0, cy = 0, x0 = 28, x1 = -1, y0 = 28, y1 = -1;
    for (let i = 0; i < 784; i++) {
      const v = small[4 * i], x = i % 28, y = Math.floor(i / 28);
      if (v > 0) { ink++; x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
      mass += v; cx += v * (x + 0.5); cy += v * (y + 0.5);
    }
    return {
      ink, box: [x1 - x0 + 1, y1 - y0 + 1], centre: [cx / mass, cy / mass],
      recon: document.querySelector('#recon').naturalWidth,
      neighbours: [...document.querySelectorAll('#neighbours .hit')].map((e) => e.textContent),
      anomaly: document.querySelector('#anomaly-text').textContent,
      variations: document.querySelectorAll('#variations img').length,
      model: document.querySelector('#model-line').textContent,
      styled: getComputedStyle(document.querySelector('main')).display === 'flex',
    };
  });
  console.log(JSON.stringify(state));
  if (errors.length) await fail('page errors: ' + errors.join('; '));
  if (!state.styled) await fail('the style sheet was not applied');
  if (state.ink < 20) await fail('the 28x28 input has almost no ink');
  if (Math.max(...state.box) !== 20) await fail('the digit does not fill a 20x20 box: ' + state.box);
  if (Math.abs(state.centre[0] - 14) > 1 || Math.abs(state.centre[1] - 14) > 1)
    await fail('the centre of mass is not at the centre: ' + state.centre);
  if (state.recon !== 28) await fail('no 28x28 reconstruction');
  if (state.neighbours.length !== 8 || !state.neighbours.every((t) => /%$/.test(t)))
    await fail('neighbours: ' + state.neighbours);
  if (!/score .* threshold/.test(state.anomaly)) await fail('anomaly: ' + state.anomaly);
  if (state.variations !== 6) await fail('variations: ' + state.variations);

  // Phone-sized screen: the pad still fits and everything is reachable without sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) await fail(`the page is ${overflow}px wider than a phone screen`);

  await page.setViewportSize({ width: 1100, height: 860 });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log('browser test: ok, screenshot ' + screenshot);
} catch (e) {
  await fail(e.stack || String(e));
}
await browser.close();
