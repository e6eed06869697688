// A resident's view (issue 9): place search, the offline basemap with labels, what the numbers
// mean, printing, the Image button, the offline banner and the key on a phone. Expected values
// come from the API, the data files (OS Open Names) or the pixels the browser drew; nothing here
// asserts a timing. Run: node --test tests/web/ (cargo test runs it via tests/web_map.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, openPage, mapIdle, screenPoint, getJson, allProblems, SHOTS, useSession } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const data = process.env.ATLAS_DATA || join(root, '..', 'shared', 'data');
const { server, browser } = useSession();
const WHITECHAPEL = '/?at=13.00/51.51800/-0.06000';

/** OS Open Names place names (the CSV, read here independently of the server). */
function openNames() {
  const text = readFileSync(join(data, 'os-open-names-london', 'os_open_names_2017_populated_places_london.csv'), 'utf8');
  const [head, ...rows] = text.trim().split(/\r?\n/);
  const at = head.replace(/^\uFEFF/, '').split(',').indexOf('NAME1');
  return new Set(rows.map(r => r.split(',')[at]));
}

test('a place search ("Whitechaple") finds the place first and opens its neighbourhood without changing the geography', async () => {
  const api = await getJson(server.base, '/api/search?q=Whitechaple');
  assert.equal(api.results[0].kind, 'place');
  assert.equal(api.results[0].name, 'Whitechapel');
  const p = await openPage(browser.context, server.base, '/?geo=boroughs');
  await p.page.fill('#search', 'Whitechaple');
  await p.page.waitForSelector('#search-results li[data-index="0"]');
  assert.match(await p.page.textContent('#search-results li[data-index="0"]'), /^Whitechapel Suburban Area, Tower Hamlets/);
  await p.page.press('#search', 'Enter');
  await p.page.waitForFunction(code => document.getElementById('profile').dataset.code === code && document.getElementById('profile').dataset.state === 'ready', api.results[0].lsoa11);
  await mapIdle(p.page);
  assert.equal(await p.page.evaluate(() => window.atlas.state.geo), 'boroughs', 'picking a place must not switch the geography');
  assert.match(p.page.url(), /geo=boroughs/);
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('at zoom 13 the basemap labels places and stations with our own glyphs, and nothing leaves 127.0.0.1', async t => {
  for (const [w, h] of [[1280, 800], [375, 740]]) {
    const p = await openPage(browser.context, server.base, WHITECHAPEL, { width: w, height: h });
    const labels = await p.page.evaluate(() => {
      const m = window.atlas.map;
      const names = layer => [...new Set(m.queryRenderedFeatures({ layers: [layer] }).map(f => f.properties.name))];
      return { zoom: m.getZoom(), places: names('place-label'), stations: names('station-label') };
    });
    assert.equal(Math.round(labels.zoom), 13);
    const os = openNames();
    for (const n of labels.places) assert.ok(os.has(n), `${n} is drawn as a place but is not in OS Open Names`);
    if (w === 1280) {
      for (const n of ['Whitechapel', 'Spitalfields', 'Bethnal Green', 'Stepney']) assert.ok(labels.places.includes(n), `${n} not labelled: ${labels.places}`);
      assert.ok(labels.stations.includes('Whitechapel') || labels.stations.includes('Aldgate East'), `stations labelled: ${labels.stations}`);
    } else {
      assert.ok(labels.places.length >= 3, `only ${labels.places} labelled at 375 px`);
    }
    const fonts = p.responses.filter(r => new URL(r.url).pathname.startsWith('/fonts/'));
    assert.ok(fonts.length >= 1, 'no glyphs were fetched from /fonts');
    t.diagnostic(`${w} px: ${labels.places.length} place and ${labels.stations.length} station labels; ${p.bytes()} bytes in ${p.responses.length} requests`);
    await p.page.screenshot({ path: join(SHOTS, `basemap-z13-${w}.png`) });
    assert.deepEqual(await allProblems(p), [], 'console errors or requests leaving 127.0.0.1');
    await p.page.close();
  }
});

test('the profile says what the NO2 value means against the legal limit, the WHO guideline and London', async () => {
  const api = await getJson(server.base, '/api/areas/lsoa11/E01004733');
  const v = api.indicators.no2_2019_mean;
  const p = await openPage(browser.context, server.base, '/?at=14.00/51.50070/-0.12760');
  const { x, y } = await screenPoint(p.page, -0.1276, 51.5007);
  await p.page.mouse.click(x, y);
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.code === 'E01004733' && document.getElementById('profile').dataset.state === 'ready');
  const text = await p.page.textContent('#profile [data-indicator="no2_2019_mean"] [data-field="meaning"]');
  const times = (Math.round((v.value / 10) * 10) / 10).toLocaleString('en-GB');
  assert.match(text, /nitrogen dioxide/i);
  assert.match(text, new RegExp(`${v.value > 40 ? 'above' : 'within'} the UK legal limit of 40`));
  assert.match(text, new RegExp(`That is ${times} times the WHO 2021 air quality guideline of 10`));
  assert.match(text, new RegExp(`London as a whole: ${(Math.round(v.london * 10) / 10).toLocaleString('en-GB', { minimumFractionDigits: 1 })}`));
  assert.match(await p.page.textContent('#profile .meaning-source'), /Where these words come from: .*London Atmospheric Emissions Inventory.*UK legal limit \(Air Quality Standards Regulations 2010\).*WHO 2021/);
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

/** Share of pixels of a PPM (P6) image whose red exceeds blue by more than 40: the choropleth's reds and oranges. */
function warmShare(ppm) {
  const header = ppm.subarray(0, 64).toString('latin1').split(/\s+/);
  const [w, h] = [Number(header[1]), Number(header[2])];
  const start = ppm.length - w * h * 3;
  let warm = 0;
  for (let i = start; i < ppm.length; i += 3) if (ppm[i] - ppm[i + 2] > 40) warm++;
  return warm / (w * h);
}

test('printing the page to PDF prints the map, not a blank rectangle', async t => {
  const p = await openPage(browser.context, server.base, '/?at=11.00/51.51000/-0.10000');
  const pdf = await p.page.pdf({ format: 'A4', printBackground: true });
  const dir = mkdtempSync(join(tmpdir(), 'atlas-print-'));
  try {
    writeFileSync(join(dir, 'map.pdf'), pdf);
    writeFileSync(join(SHOTS, 'map-print.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', '40', '-f', '1', '-l', '1', join(dir, 'map.pdf'), join(dir, 'page')]);
    const ppm = readFileSync(join(dir, 'page-1.ppm'));
    const share = warmShare(ppm);
    t.diagnostic(`printed page 1: ${(share * 100).toFixed(1)} % of its pixels in the map's warm colours`);
    assert.ok(share > 0.15, `only ${(share * 100).toFixed(1)} % of the printed page shows the map`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await p.page.close();
});

test('the Image button downloads a PNG of the map with its legend and attribution', async t => {
  const p = await openPage(browser.context, server.base, '/?at=11.00/51.51000/-0.10000');
  const [dl] = await Promise.all([p.page.waitForEvent('download'), p.page.click('#image-btn')]);
  assert.match(dl.suggestedFilename(), /^london-atlas-no2_mean.*\.png$|^london-atlas-.*\.png$/);
  const file = join(SHOTS, 'map-image.png');
  await dl.saveAs(file);
  const png = readFileSync(file);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const legend = await p.page.$$eval('#legend ol li .sw', s => s.map(e => getComputedStyle(e).backgroundColor));
  // The browser decodes the PNG: the map part is mostly choropleth, the key holds every swatch.
  const seen = await p.page.evaluate(async ({ b64, swatches }) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const mapW = window.atlas.map.getCanvas().width, mapH = window.atlas.map.getCanvas().height;
    const px = ctx.getImageData(0, 0, mapW, mapH).data;
    let warm = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] - px[i + 2] > 40) warm++;
    const key = ctx.getImageData(mapW, 0, img.width - mapW, img.height).data;
    const keyColours = new Set();
    for (let i = 0; i < key.length; i += 4) keyColours.add(`rgb(${key[i]}, ${key[i + 1]}, ${key[i + 2]})`);
    return { w: img.width, h: img.height, mapW, mapH, warm: warm / (mapW * mapH), missing: swatches.filter(s => !keyColours.has(s)) };
  }, { b64: png.toString('base64'), swatches: legend });
  t.diagnostic(`PNG ${seen.w}x${seen.h}, ${png.length} bytes; map part ${(seen.warm * 100).toFixed(0)} % choropleth`);
  assert.ok(seen.w > seen.mapW && seen.h > seen.mapH, 'the key and attribution are beside and below the map');
  assert.ok(seen.warm > 0.5, `only ${(seen.warm * 100).toFixed(0)} % of the map part is choropleth`);
  assert.deepEqual(seen.missing, [], 'legend swatches missing from the image');
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('at 375 px the legend stays visible over the map and folds away', async () => {
  const p = await openPage(browser.context, server.base, '/', { width: 375, height: 740 });
  const box = await p.page.evaluate(() => {
    const r = e => e.getBoundingClientRect().toJSON();
    return { key: r(document.getElementById('map-key')), map: r(document.getElementById('map')) };
  });
  assert.ok(box.key.height > 40 && box.key.top >= box.map.top && box.key.bottom <= box.map.bottom && box.key.bottom <= 740, JSON.stringify(box));
  const classes = await p.page.$$eval('#legend ol li', l => l.length);
  assert.equal(await p.page.$$eval('#map-key li', l => l.length), classes);
  assert.match(await p.page.textContent('#map-key'), /Nitrogen dioxide/);
  await p.page.click('#map-key summary');
  assert.equal(await p.page.evaluate(() => document.getElementById('map-key').open), false);
  await p.page.close();
});

test('when the server stops, a banner says so instead of a blank map', async () => {
  const own = await startServer();
  const p = await openPage(browser.context, own.base, '/');
  assert.equal(await p.page.isVisible('#offline'), false);
  await own.stop();
  await p.page.fill('#search', 'Hackney');
  await p.page.press('#search', 'Enter');
  await p.page.waitForSelector('#offline', { state: 'visible' });
  assert.match(await p.page.textContent('#offline'), /cannot be reached/);
  await p.page.screenshot({ path: join(SHOTS, 'offline-banner.png') });
  await p.page.close();
});
