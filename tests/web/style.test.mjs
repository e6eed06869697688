// MapLibre GL JS draws the served /styles/{indicator}.json (one fill layer per class: a filter
// and a fixed colour) as it drew the old single data-driven layer: an area is painted in the
// colour its value's class has in the style's own metadata, blended at the style's opacity over
// its background. The expected colour is computed here (count the breaks <= value), not read
// from the page. Run: node --test tests/web/ (with the rest of the browser tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapIdle, mapPixelAt, getJson, useSession } from './harness.mjs';

const { server, browser } = useSession();

const rgb = hex => [1, 3, 5].map(k => parseInt(hex.slice(k, k + 2), 16));
const hex = c => '#' + c.map(v => Math.round(v).toString(16).padStart(2, '0')).join('');

// Areas well inside themselves at the zoom, in a middle class (so a shifted ramp shows).
const CASES = [
  { indicator: 'no2_2016_mean', layer: 'lsoa11', code: 'E01000195', zoom: 14 }, // Barnet 013A
  { indicator: 'imd2019_decile', layer: 'lsoa11', code: 'E01004733', zoom: 14 }, // Westminster 020C
  { indicator: 'population_2019', layer: 'boroughs', code: 'E09000007', zoom: 7.5 }, // Camden, below lsoa11's minzoom
];

for (const c of CASES) {
  test(`MapLibre paints ${c.code} from /styles/${c.indicator}.json in its class colour`, async t => {
    const style = await getJson(server.base, `/styles/${c.indicator}.json`);
    const area = await getJson(server.base, `/api/areas/${c.layer}/${c.code}`);
    const value = area.indicators[c.indicator].value;
    const classes = style.metadata['london-atlas:classes'][c.layer];
    const k = classes.breaks.filter(b => b <= value).length;
    assert.ok(k > 0 && k < classes.colours.length - 1, `${value} is not in a middle class of ${classes.breaks}`);
    const hit = (await getJson(server.base, `/api/search?q=${c.code}`)).results.find(r => r.layer === c.layer && r.code === c.code);
    const [lon, lat] = hit.center;

    const page = await browser.context.newPage();
    const problems = [];
    page.on('pageerror', e => problems.push(`pageerror: ${e.message}`));
    // (A 404 is named by its response; Chromium's own favicon request is not ours.)
    page.on('console', m => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`); });
    page.on('response', r => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()}: ${r.url()}`); });
    // Any page of the server, so the module and the style load from the same origin.
    await page.goto(`${server.base}/api/health`);
    await page.setContent('<div id="map" style="position:absolute;inset:0"></div>');
    await page.setViewportSize({ width: 400, height: 400 });
    await page.evaluate(async ([style, lon, lat, zoom]) => {
      const maplibregl = await import('/vendor/maplibre-gl/maplibre-gl.mjs');
      const map = new maplibregl.Map({ container: 'map', style, center: [lon, lat], zoom, attributionControl: false });
      window.atlas = { map, ready: true, errors: [] };
      map.on('error', e => window.atlas.errors.push(String(e.error && e.error.message)));
      await new Promise(resolve => map.once('idle', resolve));
    }, [`${server.base}/styles/${c.indicator}.json`, lon, lat, c.zoom]);
    await mapIdle(page);
    const drawn = await page.evaluate(([lon, lat]) => {
      const m = window.atlas.map;
      const p = m.project([lon, lat]);
      return m.queryRenderedFeatures([[p.x - 1, p.y - 1], [p.x + 1, p.y + 1]]).filter(f => f.layer.type === 'fill').map(f => `${f.layer.id}:${f.properties.code}`);
    }, [lon, lat]);
    const fill = style.layers.find(l => l.type === 'fill' && l['source-layer'] === c.layer && l.paint['fill-color'] === classes.colours[k]);
    assert.ok(fill, `no fill layer of colour ${classes.colours[k]} for ${c.layer}`);
    assert.deepEqual([...new Set(drawn)], [`${fill.id}:${c.code}`], 'exactly the class layer of the value draws the area there');
    const background = rgb(style.layers.find(l => l.type === 'background').paint['background-color']);
    const a = fill.paint['fill-opacity'];
    const expected = rgb(classes.colours[k]).map((v, i) => v * a + background[i] * (1 - a));
    const read = await mapPixelAt(page, lon, lat);
    t.diagnostic(`${c.code} ${c.indicator} = ${value}: class ${k + 1} ${classes.colours[k]} -> expected ${hex(expected)}, read ${hex(read.slice(0, 3))}`);
    const off = read.slice(0, 3).map((v, i) => Math.abs(v - expected[i]));
    assert.ok(Math.max(...off) <= 4, `drew ${hex(read.slice(0, 3))}, expected ${hex(expected)}`);
    const errors = await page.evaluate(() => window.atlas.errors);
    assert.deepEqual([...problems, ...errors], []);
    await page.close();
  });
}
