// The map's colour classes have one definition, the server's: /api/indicators `classes` and the
// `london-atlas:classes` metadata of /styles/{indicator}.json must be the same object, the style
// must draw with it, and the web map must paint an area in the colour those classes give its
// value. The expected colours are computed here from the style (count the breaks <= value), not
// taken from the page. Run: node --test tests/web/ (with the rest of the browser tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, mapIdle, mapPixelAt, getJson, useSession } from './harness.mjs';

const { server, browser } = useSession();

const rgb = hex => {
  assert.match(hex, /^#[0-9a-f]{6}$/i, `not a #rrggbb colour: ${hex}`);
  return [1, 3, 5].map(k => parseInt(hex.slice(k, k + 2), 16));
};
const over = (top, alpha, under) => top.map((c, k) => c * alpha + under[k] * (1 - alpha));
const hex = c => '#' + c.map(v => Math.round(v).toString(16).padStart(2, '0')).join('');

/**
 * Breaks, colours and no-data colour a style draws one source layer with: one fill layer per
 * class, each a filter (`>=` its lower break, `<` its upper) and a fixed colour, plus one
 * `!has` layer for areas without a value (the form QGIS's converter keeps).
 */
function classesOf(fills, id) {
  const colours = [], breaks = [];
  let noData = null;
  for (const l of fills) {
    const f = l.filter;
    assert.equal(typeof l.paint['fill-color'], 'string', `${l.id}: fill-color is not a fixed colour`);
    if (f[0] === '!') {
      assert.deepEqual(f, ['!', ['has', id]], `${l.id}: odd no-data filter`);
      noData = l.paint['fill-color'];
      continue;
    }
    assert.equal(f[0], 'all', `${l.id}: odd class filter ${JSON.stringify(f)}`);
    const lower = f.find(x => x[0] === '>=');
    const upper = f.find(x => x[0] === '<');
    if (lower) assert.equal(lower[2], breaks[breaks.length - 1], `${l.id}: its lower break is not the previous class's upper`);
    if (upper) breaks.push(upper[2]);
    colours.push(l.paint['fill-color']);
  }
  return { colours, breaks, noData };
}

test('/api/indicators and every /styles/{indicator}.json define and draw the same classes', async t => {
  const indicators = await getJson(server.base, '/api/indicators');
  let lsoa11 = 0, drawn = 0;
  for (const ind of indicators) {
    const style = await getJson(server.base, `/styles/${ind.id}.json`);
    const meta = style.metadata['london-atlas:classes'];
    assert.ok(meta, `${ind.id}: the style has no london-atlas:classes metadata`);
    assert.deepEqual(Object.keys(ind.classes).sort(), [...ind.layers].sort(), `${ind.id}: classes for other layers than it is published on`);
    assert.deepEqual(meta, ind.classes, `${ind.id}: /api/indicators classes differ from the style's`);
    for (const [layer, c] of Object.entries(ind.classes)) {
      assert.equal(c.colours.length, c.breaks.length + 1, `${ind.id} on ${layer}`);
      assert.ok(c.breaks.every((b, k) => k === 0 || b > c.breaks[k - 1]), `${ind.id} on ${layer}: breaks not increasing`);
    }
    if (ind.classes.lsoa11) lsoa11++;
    // what a GIS client draws: each source layer's class fills use its layer's classes
    const drawnLayers = [...new Set(style.layers.filter(x => x.type === 'fill' && meta[x['source-layer']]).map(x => x['source-layer']))];
    for (const layer of drawnLayers) {
      const fills = style.layers.filter(x => x.type === 'fill' && x['source-layer'] === layer);
      const got = classesOf(fills, ind.id);
      const c = meta[layer];
      assert.deepEqual({ colours: got.colours, breaks: got.breaks }, { colours: c.colours, breaks: c.breaks }, `${ind.id}: ${layer} is drawn with other classes than its metadata`);
      assert.equal(got.noData, c.no_data, `${ind.id}: ${layer} does not draw no data in ${c.no_data}`);
      drawn++;
    }
  }
  assert.ok(lsoa11 >= 9, `only ${lsoa11} indicators on lsoa11`);
  assert.ok(drawn >= indicators.length, `only ${drawn} style layers checked for ${indicators.length} indicators`);
  t.diagnostic(`${indicators.length} indicators (${lsoa11} on lsoa11) match their styles; ${drawn} styled layers checked`);
});

// Areas whose value sits inside a middle class (so a shifted or reversed ramp shows), one per
// palette: NO2 (pollution), an IMD decile (lower is worse: the colours run dark to light) and a
// population count (classes differ per layer).
const CASES = [
  { indicator: 'no2_2016_mean', link: 'ind=no2_mean&year=2016&geo=lsoa', layer: 'lsoa11', code: 'E01000195', zoom: 14 }, // Barnet 013A
  { indicator: 'imd2019_decile', link: 'ind=imd_decile&year=2019&geo=lsoa', layer: 'lsoa11', code: 'E01004733', zoom: 14 }, // Westminster 020C
  { indicator: 'population_2019', link: 'ind=population&year=2019&geo=boroughs', layer: 'boroughs', code: 'E09000007', zoom: 11 }, // Camden
];

for (const c of CASES) {
  test(`the web map paints ${c.code} in the style's colour for ${c.indicator} on ${c.layer}`, async t => {
    const area = await getJson(server.base, `/api/areas/${c.layer}/${c.code}`);
    const value = area.indicators[c.indicator].value;
    assert.ok(Number.isFinite(value), `${c.code} has no ${c.indicator} value`);
    const style = await getJson(server.base, `/styles/${c.indicator}.json`);
    const classes = style.metadata['london-atlas:classes'][c.layer];
    const k = classes.breaks.filter(b => b <= value).length;
    assert.ok(k > 0 && k < classes.colours.length - 1, `${value} is not in a middle class of ${classes.breaks}: pick another area`);
    const expectedFill = classes.colours[k];
    const hit = (await getJson(server.base, `/api/search?q=${c.code}`)).results.find(r => r.layer === c.layer && r.code === c.code);
    assert.ok(hit && hit.center, `no search result with a centre for ${c.code}`);
    const [lon, lat] = hit.center;

    const p = await openPage(browser.context, server.base, `/?${c.link}&mode=single&at=${c.zoom}/${lat}/${lon}`);
    const page = await p.page.evaluate(([lon, lat, r]) => {
      const m = window.atlas.map;
      const pt = m.project([lon, lat]);
      const codes = m.queryRenderedFeatures([[pt.x - r, pt.y - r], [pt.x + r, pt.y + r]], { layers: ['choro'] }).map(f => f.properties.code);
      return {
        layer: window.atlas.app.drawnLayer,
        indicator: document.getElementById('legend-indicator').dataset.indicator,
        codes: [...new Set(codes)],
        opacity: m.getPaintProperty('choro', 'fill-opacity'),
        land: m.getPaintProperty('land', 'fill-color'),
        landOpacity: m.getPaintProperty('land', 'fill-opacity') ?? 1,
        water: m.getPaintProperty('water', 'background-color'),
      };
    }, [lon, lat, 4]);
    assert.equal(page.layer, c.layer);
    assert.equal(page.indicator, c.indicator);
    // the pixel is well inside the area: nothing else drawn within 4 px of it
    assert.deepEqual(page.codes, [c.code]);
    assert.equal(typeof page.opacity, 'number', `fill-opacity is not a plain number: ${JSON.stringify(page.opacity)}`);
    assert.equal(typeof page.landOpacity, 'number');
    // the fill at the page's opacity over the land (itself over the water background)
    const ground = over(rgb(page.land), page.landOpacity, rgb(page.water));
    const expected = over(rgb(expectedFill), page.opacity, ground).map(Math.round);
    // The basemap's labels, station dots and ward lines are drawn over the choropleth on
    // purpose; hide them so the pixel is the fill's.
    await p.page.evaluate(() => {
      const m = window.atlas.map;
      for (const id of ['place-label', 'station-label', 'water-label', 'station-dot', 'ward-line']) m.setLayoutProperty(id, 'visibility', 'none');
    });
    await mapIdle(p.page);
    const read = await mapPixelAt(p.page, lon, lat);
    t.diagnostic(`${area.name} (${c.code}) ${c.indicator} = ${value}: class ${k} of ${classes.colours.length}, ${expectedFill} at opacity ${page.opacity} over ${page.land} -> expected ${hex(expected)}, read ${hex(read.slice(0, 3))}`);
    assert.equal(read[3], 255);
    const off = read.slice(0, 3).map((v, i) => Math.abs(v - expected[i]));
    assert.ok(Math.max(...off) <= 4, `${c.code}: the map drew ${hex(read.slice(0, 3))}, the style's class colour ${expectedFill} blended is ${hex(expected)}`);
    assert.deepEqual(p.problems, []);
    await p.page.close();
  });
}
