// Measures the first view of the web map: time from navigation start to the first full render
// (window.atlas.firstRender: the map idle with all tiles drawn) and bytes transferred (headers +
// encoded bodies, from the browser's own request sizes), by kind. Not a test: prints figures.
// Usage: node tests/web/measure.mjs [runs] [width] [height] [path]   (starts its own server)
import { get } from 'node:http';
import { startServer, startBrowser, openPage } from './harness.mjs';

/** Bytes on the wire (gzip body + headers) of a GET, without decompressing. */
function rawBytes(url) {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'gzip' } }, res => {
      let n = JSON.stringify(res.headers).length;
      res.on('data', d => { n += d.length; });
      res.on('end', () => resolve(n));
    }).on('error', reject);
  });
}

const runs = Number(process.argv[2] || 3);
const viewport = { width: Number(process.argv[3] || 1280), height: Number(process.argv[4] || 800) };
const path = process.argv[5] || '/';
const server = await startServer();
try {
  for (let i = 0; i < runs; i++) {
    const browser = await startBrowser(viewport); // fresh profile: a cold cache every run
    try {
      const p = await openPage(browser.context, server.base, path);
      const t = await p.page.evaluate(() => window.atlas.firstRender);
      await p.page.waitForTimeout(300);
      const kinds = {};
      // The worker script is fetched inside the worker, whose body size the page's request
      // events do not see: count it as the server sends it (gzip) instead.
      for (const r of p.responses) {
        if (/maplibre-gl-worker\.mjs/.test(r.url)) {
          r.bytes = await rawBytes(r.url);
        }
      }
      for (const r of p.responses) {
        const u = new URL(r.url);
        const kind = u.pathname.startsWith('/tiles/') ? 'tiles' : u.pathname.startsWith('/vendor/') ? 'maplibre' : u.pathname.startsWith('/api/') ? 'api' : 'page';
        kinds[kind] = (kinds[kind] || 0) + r.bytes;
      }
      console.log(`run ${i + 1} (${viewport.width}x${viewport.height}): first full render ${Math.round(t)} ms; ${p.bytes()} bytes in ${p.responses.length} requests`, JSON.stringify(kinds));
      await p.page.close();
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.stop();
}
