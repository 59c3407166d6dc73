// What the serve page browser tests draw and check, shared by the Chromium driver
// (serve_page.mjs, playwright-core) and the Firefox one (serve_page_firefox.mjs, puppeteer-core).

// A 7: a stroke across the top, then down to the bottom left, in small mouse steps.
// `box` is the pad's bounding box on the page; the path is in the pad's 280x280 units.
export async function drawSeven(mouse, box) {
  const at = (x, y) => [box.x + x * box.width / 280, box.y + y * box.height / 280];
  await mouse.move(...at(70, 70));
  await mouse.down();
  await mouse.move(...at(210, 70), { steps: 12 });
  await mouse.move(...at(120, 230), { steps: 16 });
  await mouse.up();
}

// True once the page has answered the drawing (run in the page).
export function answered() {
  return Number(document.body.dataset.updated || 0) >= 1 &&
    document.querySelector('#recon').src.startsWith('data:image/png') &&
    document.querySelectorAll('#neighbours .hit').length > 0;
}

// What the page shows after the drawing (run in the page).
export function pageState() {
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
}

// How far the page is wider than its window (run in the page): > 0 means sideways scrolling.
export function overflow() {
  return document.documentElement.scrollWidth - window.innerWidth;
}

// The problems with a pageState(), empty when the page did its job.
export function problems(state) {
  const found = [];
  if (!state.styled) found.push('the style sheet was not applied');
  if (state.ink < 20) found.push('the 28x28 input has almost no ink');
  if (Math.max(...state.box) !== 20) found.push('the digit does not fill a 20x20 box: ' + state.box);
  if (Math.abs(state.centre[0] - 14) > 1 || Math.abs(state.centre[1] - 14) > 1)
    found.push('the centre of mass is not at the centre: ' + state.centre);
  if (state.recon !== 28) found.push('no 28x28 reconstruction');
  if (state.neighbours.length !== 8 || !state.neighbours.every((t) => /%$/.test(t)))
    found.push('neighbours: ' + state.neighbours);
  if (!/score .* threshold/.test(state.anomaly)) found.push('anomaly: ' + state.anomaly);
  if (state.variations !== 6) found.push('variations: ' + state.variations);
  return found;
}
