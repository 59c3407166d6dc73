// The drawing page of `latent serve`: no libraries, no network beyond this server.
'use strict';

const token = new URLSearchParams(location.hash.slice(1)).get('token');
const $ = (id) => document.getElementById(id);
const pad = $('pad'), padCtx = pad.getContext('2d');
const small = $('small'), smallCtx = small.getContext('2d');
let info = null, mapPoints = null, busy = false, pending = false, drawn = false;

// body: undefined (GET), an object (JSON) or a File (its own bytes and type: an uploaded picture).
async function api(path, body) {
  const upload = body instanceof Blob;
  const headers = { 'Content-Type': upload ? body.type : 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(path, body === undefined ? { headers }
    : { method: 'POST', headers, body: upload ? body : JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error ? json.error.message : res.statusText);
  return json;
}
const png = (b64) => 'data:image/png;base64,' + b64;

// --- drawing -------------------------------------------------------------------------------
function clearPad() {
  padCtx.fillStyle = '#000';
  padCtx.fillRect(0, 0, pad.width, pad.height);
  smallCtx.fillStyle = '#000';
  smallCtx.fillRect(0, 0, 28, 28);
  drawn = false;
}
let last = null;
function point(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
}
pad.addEventListener('pointerdown', (e) => { pad.setPointerCapture(e.pointerId); last = point(e); stroke(last); });
pad.addEventListener('pointermove', (e) => { if (last) stroke(point(e)); });
const end = () => { if (last) { last = null; update(); } };
pad.addEventListener('pointerup', end);
pad.addEventListener('pointercancel', end);
function stroke(p) {
  padCtx.strokeStyle = '#fff';
  padCtx.lineWidth = 20;
  padCtx.lineCap = padCtx.lineJoin = 'round';
  padCtx.beginPath();
  padCtx.moveTo(last[0], last[1]);
  padCtx.lineTo(p[0], p[1]);
  padCtx.stroke();
  last = p;
  drawn = true;
  scheduleLive();
}
let liveTimer = null;
function scheduleLive() {
  if (!liveTimer) liveTimer = setTimeout(() => { liveTimer = null; update(); }, 150);
}
$('clear').addEventListener('click', () => { clearPad(); uploaded = null; resetResults(); });

// --- 280x280 → 28x28 the way MNIST was made ----------------------------------------------------
// The ink's bounding box is scaled (area average, aspect kept) to fit a 20x20 box, then placed
// in 28x28 with its centre of mass at the centre.
function toMnist() {
  const { width: W, height: H } = pad;
  const src = padCtx.getImageData(0, 0, W, H).data;
  const ink = new Float32Array(W * H);
  let x0 = W, y0 = H, x1 = -1, y1 = -1;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = src[(y * W + x) * 4];
    ink[y * W + x] = v;
    if (v > 0) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
  }
  const out = new Float32Array(28 * 28);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1, scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)), th = Math.max(1, Math.round(bh * scale));
  const box = new Float32Array(tw * th);
  for (let ty = 0; ty < th; ty++) for (let tx = 0; tx < tw; tx++) {
    const sx0 = x0 + Math.floor(tx * bw / tw), sx1 = x0 + Math.max(Math.floor((tx + 1) * bw / tw), Math.floor(tx * bw / tw) + 1);
    const sy0 = y0 + Math.floor(ty * bh / th), sy1 = y0 + Math.max(Math.floor((ty + 1) * bh / th), Math.floor(ty * bh / th) + 1);
    let sum = 0;
    for (let y = sy0; y < sy1; y++) for (let x = sx0; x < sx1; x++) sum += ink[y * W + x];
    box[ty * tw + tx] = sum / ((sx1 - sx0) * (sy1 - sy0));
  }
  let mass = 0, cx = 0, cy = 0;
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) { const v = box[y * tw + x]; mass += v; cx += v * (x + 0.5); cy += v * (y + 0.5); }
  const ox = Math.round(14 - cx / mass), oy = Math.round(14 - cy / mass);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) {
    const X = x + ox, Y = y + oy;
    if (X >= 0 && X < 28 && Y >= 0 && Y < 28) out[Y * 28 + X] = Math.min(255, Math.round(box[y * tw + x]));
  }
  return out;
}
function showSmall(pixels) {
  const img = smallCtx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) { img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = pixels[i]; img.data[4 * i + 3] = 255; }
  smallCtx.putImageData(img, 0, 0);
}

// --- results -------------------------------------------------------------------------------
function resetResults() {
  $('recon').removeAttribute('src');
  $('error').removeAttribute('src');
  $('recon-stats').textContent = '';
  $('neighbours').replaceChildren();
  $('variations').replaceChildren();
  $('anomaly-text').textContent = '';
  $('anomaly-fill').style.width = '0';
  drawMap(null);
}
function tile(b64, caption, cls) {
  const div = document.createElement('div');
  div.className = cls;
  const img = document.createElement('img');
  img.src = png(b64);
  img.alt = caption;
  div.append(img, caption);
  return div;
}

// --- a picture of any size, chosen or dropped: the server fits it to the model -----------------
let uploaded = null;
function takeFile(file) {
  if (!file || !/^image\/(png|jpeg)$/.test(file.type)) {
    $('model-line').textContent = 'error: choose a PNG or JPEG picture';
    return;
  }
  uploaded = file;
  $('upload-preview').src = URL.createObjectURL(file);
  update();
}
$('upload').addEventListener('change', (e) => takeFile(e.target.files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); takeFile(e.dataTransfer.files[0]); });

async function update() {
  if (!info || (!drawn && !uploaded)) return;
  if (busy) { pending = true; return; }
  busy = true;
  try {
    let body = uploaded;
    if (!uploaded) {
      const pixels = Array.from(toMnist());
      showSmall(pixels);
      body = { pixels };
    }
    const e = info.endpoints;
    const jobs = [api('/api/reconstruct', body).then(showReconstruction)];
    if (e.search) jobs.push(api('/api/search?k=8', body).then(showNeighbours));
    if (e.anomaly) jobs.push(api('/api/anomaly', body).then(showAnomaly));
    if (e.generate) jobs.push(api('/api/generate?count=6&spread=1&seed=1', body).then(showVariations));
    await Promise.all(jobs);
    document.body.dataset.updated = String(Number(document.body.dataset.updated || 0) + 1);
  } catch (err) {
    $('model-line').textContent = 'error: ' + err.message;
  } finally {
    busy = false;
    if (pending) { pending = false; update(); }
  }
}
function showReconstruction(r) {
  $('recon').src = png(r.image);
  $('error').src = png(r.error_image);
  $('recon-stats').textContent = `squared error ${r.sse.toFixed(2)} (${r.mse_per_pixel.toFixed(4)} per pixel)`;
  drawMap(r.code);
}
function showNeighbours(r) {
  $('neighbours').replaceChildren(...r.results.map((h) =>
    tile(h.thumbnail || '', `${h.label !== undefined ? h.label + ' · ' : '#' + h.id + ' · '}${h.similarity.toFixed(1)}%`, 'hit')));
}
function showAnomaly(r) {
  const top = Math.max(r.threshold * 2, r.score * 1.1);
  $('anomaly-fill').style.width = `${100 * Math.min(r.score / top, 1)}%`;
  $('anomaly-fill').classList.toggle('over', r.is_anomaly);
  $('anomaly-mark').style.left = `${100 * r.threshold / top}%`;
  $('anomaly-text').textContent = `score ${r.score.toFixed(3)} · threshold ${r.threshold.toFixed(3)} · ` +
    (r.is_anomaly ? 'unlike the training data' : 'looks normal') +
    (info.detector.normal_class >= 0 ? ` (normal class: ${info.detector.normal_class})` : '');
}
function showVariations(r) {
  $('variations').replaceChildren(...r.images.map((b64, i) => tile(b64, `#${i + 1}`, 'hit')));
}

// --- the 2-D code map ------------------------------------------------------------------------
const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
let bounds = null;
function drawMap(code) {
  const canvas = $('map'), ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!mapPoints) return;
  const at = (x, y) => [(x - bounds[0]) / (bounds[1] - bounds[0]) * (canvas.width - 20) + 10,
                        canvas.height - 10 - (y - bounds[2]) / (bounds[3] - bounds[2]) * (canvas.height - 20)];
  for (const [x, y, label] of mapPoints) {
    ctx.fillStyle = label >= 0 ? colours[label % 10] : '#888';
    const [px, py] = at(x, y);
    ctx.fillRect(px - 1, py - 1, 2, 2);
  }
  if (code && code.length === 2) {
    const [px, py] = at(code[0], code[1]);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(Math.min(Math.max(px, 6), canvas.width - 6), Math.min(Math.max(py, 6), canvas.height - 6), 6, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

// --- start -----------------------------------------------------------------------------------
function unavailable(panel, note, text) {
  $(panel).classList.add('unavailable');
  $(note).textContent = text;
}
async function start() {
  clearPad();
  try {
    info = await api('/api/info');
  } catch (err) {
    $('model-line').textContent = 'cannot reach the server: ' + err.message;
    return;
  }
  const spec = info.model.spec, e = info.endpoints;
  const data = info.model.meta && info.model.meta.data ? ` · trained on ${JSON.stringify(info.model.meta.data).replace(/"/g, '')}` : '';
  $('model-line').textContent = `${spec.arch} ${spec.code_head === 'gaussian' ? 'VAE' : 'autoencoder'}, ` +
    `${info.model.parameters.toLocaleString()} parameters, code size ${spec.latent}${data}`;
  const digits = info.input.is_image && info.input.shape.join('x') === '1x28x28';
  if (!digits) {
    // Colour or other-sized images: pictures only, no drawing pad.
    $('pad').hidden = $('clear').hidden = $('small').hidden = true;
    $('draw-title').textContent = 'Your picture';
    $('model-line').textContent += ` · this model takes ${info.input.shape.join('x')} images: choose or drop a picture`;
  }
  if (!info.input.is_image) $('drop').hidden = true;
  if (!e.search) unavailable('search-panel', 'search-note', 'No index: start latent serve with --index FILE.');
  else $('search-note').textContent = `${info.index.size.toLocaleString()} images of ${info.index.data} (${info.index.split}); ` +
    'similarity 100% = same code, 0% = as far apart as two random images.';
  if (!e.anomaly) unavailable('anomaly-panel', 'anomaly-text', 'No detector: start latent serve with --detector FILE.');
  if (!e.generate) unavailable('generate-panel', 'generate-note', 'Variations need a VAE (latent train --type vae).');
  if (info.code_map) {
    mapPoints = info.code_map;
    const xs = mapPoints.map((p) => p[0]), ys = mapPoints.map((p) => p[1]);
    bounds = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    $('map-note').textContent = 'Indexed images by their 2-D code (colour = label); the circle is your drawing.';
    drawMap(null);
  } else {
    unavailable('map-panel', 'map-note', 'The map needs a model with a 2-D code and an index.');
  }
  document.body.dataset.ready = '1';
}
start();
