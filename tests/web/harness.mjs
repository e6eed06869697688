// Test harness for the browser tests: starts the real london-atlas server on 127.0.0.1 (a free
// port chosen by the OS) and Debian's chromium through playwright-core (never a downloaded
// browser), collects console errors and request bytes, and offers small helpers the tests share.
// Env: ATLAS_BIN (server binary; default target/debug/london-atlas), ATLAS_DATA (data folder),
// CHROMIUM (default /usr/bin/chromium), SHOTS (folder for screenshots, default /tmp/atlas-shots).
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, 'web', 'package.json'));
const { chromium } = require('playwright-core');

export const SHOTS = process.env.SHOTS || '/tmp/atlas-shots';
mkdirSync(SHOTS, { recursive: true });

/** Starts the server; resolves to {base, stop()}. */
export async function startServer({ web } = {}) {
  const bin = process.env.ATLAS_BIN || join(root, 'target', 'debug', 'london-atlas');
  if (!existsSync(bin)) throw new Error(`no server binary at ${bin}: run cargo build or set ATLAS_BIN`);
  const args = ['serve', '--addr', '127.0.0.1:0', '--web', web || join(root, 'web')];
  if (process.env.ATLAS_DATA) args.push('--data', process.env.ATLAS_DATA);
  else args.push('--data', join(root, '..', 'shared', 'data'));
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: 'warn' } });
  let stderr = '';
  child.stderr.on('data', d => { stderr += d; });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s: ${stderr}`)), 60000);
    child.stdout.on('data', d => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', code => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${stderr}`)); });
  });
  return {
    base,
    stop: () => new Promise(resolve => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** Launches headless chromium with a fresh profile; resolves to {context, close()}. */
export async function startBrowser(viewport = { width: 1280, height: 800 }) {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`no chromium at ${executablePath}: apt-get install -y chromium fonts-dejavu-core`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'atlas-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  return {
    context,
    close: async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); },
  };
}

/**
 * Opens a page with watchers: `problems` collects console errors, page errors, failed requests
 * and requests leaving 127.0.0.1; `bytes()` sums the encoded bytes received.
 */
export async function openPage(context, base, path = '/', viewport) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const problems = [];
  const responses = [];
  page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', e => problems.push(`pageerror: ${e.message}`));
  page.on('request', r => {
    const u = new URL(r.url());
    if (!['127.0.0.1', ''].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) problems.push(`outside request: ${r.url()}`);
  });
  page.on('requestfailed', r => { if (!/ERR_ABORTED/.test(r.failure()?.errorText || '')) problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`); });
  page.on('requestfinished', async r => {
    try { const s = await r.sizes(); responses.push({ url: r.url(), bytes: s.responseBodySize + s.responseHeadersSize }); } catch { /* page closed */ }
  });
  await page.goto(base + path);
  await waitReady(page);
  return { page, problems, bytes: () => responses.reduce((a, r) => a + r.bytes, 0), responses };
}

/** Waits until the app says it is ready and the map is idle. */
export async function waitReady(page) {
  await page.waitForFunction(() => window.atlas && window.atlas.ready === true, null, { timeout: 60000 });
  await mapIdle(page);
}

export async function mapIdle(page) {
  await page.evaluate(() => new Promise(resolve => {
    const m = window.atlas.map;
    if (!m) return resolve();
    const done = () => (m.loaded() && m.areTilesLoaded() && !m.isMoving() ? resolve() : m.once('idle', done));
    // a short delay lets pending style changes register before asking
    setTimeout(done, 50);
  }));
}

/** Fraction of map pixels that differ from the background colour, and a colour histogram key set. */
export async function mapPixels(page) {
  return page.evaluate(() => {
    const m = window.atlas.map;
    const gl = m.painter.context.gl;
    const w = gl.drawingBufferWidth, h = gl.drawingBufferHeight;
    m.triggerRepaint();
    return new Promise(resolve => m.once('render', () => {
      const px = new Uint8Array(w * h * 4);
      gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
      const bg = [0xc9, 0xdb, 0xe8];
      let other = 0;
      const colours = new Map();
      for (let i = 0; i < px.length; i += 4 * 7) {
        const d = Math.abs(px[i] - bg[0]) + Math.abs(px[i + 1] - bg[1]) + Math.abs(px[i + 2] - bg[2]);
        if (d > 12) other++;
        const key = `${px[i] >> 3},${px[i + 1] >> 3},${px[i + 2] >> 3}`;
        colours.set(key, (colours.get(key) || 0) + 1);
      }
      const total = Math.ceil(px.length / (4 * 7));
      const top = [...colours.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k]) => k);
      resolve({ share: other / total, top });
    }));
  });
}

/**
 * The colour [r, g, b, a] the map drew at a lon/lat: read from the WebGL drawing buffer right
 * after a frame is drawn (no preserveDrawingBuffer needed), in device pixels, y flipped.
 */
export async function mapPixelAt(page, lon, lat) {
  return page.evaluate(([lon, lat]) => {
    const m = window.atlas.map;
    const gl = m.painter.context.gl;
    const p = m.project([lon, lat]);
    const ratio = gl.drawingBufferWidth / m.getCanvas().clientWidth;
    const x = Math.round(p.x * ratio), y = gl.drawingBufferHeight - 1 - Math.round(p.y * ratio);
    m.triggerRepaint();
    return new Promise(resolve => m.once('render', () => {
      const px = new Uint8Array(4);
      gl.readPixels(x, y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
      resolve([...px]);
    }));
  }, [lon, lat]);
}

/** Screen position of a lon/lat on the map canvas (page coordinates). */
export async function screenPoint(page, lon, lat) {
  return page.evaluate(([lon, lat]) => {
    const m = window.atlas.map;
    const p = m.project([lon, lat]);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [lon, lat]);
}

/** Draws a polygon with the planner's tool: Draw an area, a click per corner, Finish. */
export async function drawPolygon(page, corners) {
  await page.click('#draw-start');
  for (const [lon, lat] of corners) {
    const pt = await screenPoint(page, lon, lat);
    await page.mouse.click(pt.x, pt.y);
    await page.waitForTimeout(350); // clicks further apart than a double-click
  }
  await page.click('#draw-finish');
}

export async function getJson(base, path, init) {
  const res = await fetch(base + path, init);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Text elements (outside the map canvas) whose colour contrast is below WCAG AA; runs in the
 * page: `page.evaluate(lowContrast)`. */
export function lowContrast() {
  const parse = c => { const m = c.match(/[\d.]+/g).map(Number); return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 }; };
  const lum = ({ r, g, b }) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((a, v, k) => a + v * [0.2126, 0.7152, 0.0722][k], 0);
  const bgOf = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.a > 0.9) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.maplibregl-map') || el.closest('[hidden]') || !el.offsetParent) continue;
    const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join('');
    if (!text) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.clip === 'rect(0px, 0px, 0px, 0px)') continue;
    const fg = parse(cs.color), bg = bgOf(el);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) bad.push(`${el.tagName}#${el.id}.${el.className} "${text.slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}

/** Every problem the page reported, including MapLibre's own error events. */
export async function allProblems(p) {
  const mapErrors = await p.page.evaluate(() => (window.atlas && window.atlas.errors) || []);
  return [...p.problems, ...mapErrors.map(e => `map: ${e}`)];
}

/**
 * One server and one browser for a test file: registers the before/after hooks and returns
 * `{server, browser}` whose `server.base` and `browser.context` are read once they started.
 */
export function useSession() {
  const live = {};
  before(async () => {
    live.server = await startServer();
    live.browser = await startBrowser();
  });
  after(async () => {
    if (live.browser) await live.browser.close();
    if (live.server) await live.server.stop();
  });
  return {
    server: { get base() { return live.server.base; } },
    browser: { get context() { return live.browser.context; } },
  };
}
