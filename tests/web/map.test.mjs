// End-to-end tests of the web map: the real server on 127.0.0.1 and Debian's chromium driven by
// playwright-core. Expected values come from the API (or are exact codes/names of real places);
// nothing here asserts a timing. Run: node --test tests/web/ (cargo test runs it via tests/web_map.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, openPage, waitReady, mapIdle, mapPixels, screenPoint, drawPolygon, getJson, lowContrast, allProblems, SHOTS, useSession } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { server, browser } = useSession();


const nf1 = v => new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(v);

test('the map draws London with no console errors and nothing fetched from outside', async t => {
  const p = await openPage(browser.context, server.base, '/');
  const px = await mapPixels(p.page);
  assert.ok(px.share > 0.3, `only ${(px.share * 100).toFixed(1)}% of the map differs from the background`);
  const legend = await p.page.textContent('#legend-indicator');
  assert.match(legend, /Nitrogen dioxide \(NO2\), annual mean 2019/);
  assert.match(await p.page.textContent('#legend'), /above the UK legal limit/);
  assert.match(await p.page.textContent('#legend'), /WHO 2021 air quality guideline: 10 µg\/m³, inside the lowest class \(below 20 µg\/m³\)/);
  const attribution = await p.page.textContent('.maplibregl-ctrl-attrib');
  assert.match(attribution, /London Atlas/);
  assert.match(attribution, /Crown copyright/);
  const [sw, sh] = await p.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
  assert.ok(sw <= 1280 && sh <= 800, `the page scrolls (${sw}x${sh}): only the panel should`);
  const firstRender = await p.page.evaluate(() => window.atlas.firstRender);
  t.diagnostic(`first full render ${Math.round(firstRender)} ms after navigation start; ${p.bytes()} bytes over ${p.responses.length} requests`);
  await p.page.screenshot({ path: join(SHOTS, 'first-view-1280.png') });
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('changing the indicator changes the legend and the colours', async () => {
  const p = await openPage(browser.context, server.base, '/?geo=lsoa&at=10.5/51.5/-0.12');
  const before = await mapPixels(p.page);
  assert.equal(await p.page.getAttribute('#legend-indicator', 'data-indicator'), 'no2_2019_mean');
  await p.page.selectOption('#indicator', 'imd_decile');
  await mapIdle(p.page);
  assert.equal(await p.page.getAttribute('#legend-indicator', 'data-indicator'), 'imd2019_decile');
  const legend = await p.page.textContent('#legend');
  assert.match(legend, /Decile 1 \(most deprived\)/);
  assert.doesNotMatch(legend, /µg\/m³/);
  const afterPx = await mapPixels(p.page);
  assert.notDeepEqual(afterPx.top, before.top, 'the map colours did not change');
  // the year menu offers IMD 2019 and 2025, and 2025 moves to 2021 LSOAs
  await p.page.selectOption('#year', 'imd2025_decile');
  await mapIdle(p.page);
  assert.match(await p.page.textContent('#legend'), /2021 LSOAs/);
  assert.match(p.page.url(), /ind=imd_decile&year=2025/);
  await p.page.screenshot({ path: join(SHOTS, 'imd2025-1280.png') });
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('clicking Parliament Square opens Westminster 020C with the API figures', async () => {
  const api = await getJson(server.base, '/api/areas/lsoa11/E01004733');
  const p = await openPage(browser.context, server.base, '/?ind=no2_mean&year=2019&geo=lsoa&at=14/51.5007/-0.1276');
  const pt = await screenPoint(p.page, -0.1276, 51.5007);
  await p.page.mouse.move(pt.x, pt.y);
  await p.page.waitForFunction(() => window.atlas.app.am.hovered !== null);
  const hover = await p.page.evaluate(() => {
    const am = window.atlas.app.am;
    return am.map.getFeatureState({ source: 'choro', sourceLayer: am.layer, id: am.hovered }).hover;
  });
  assert.equal(hover, true, 'the area under the mouse is not highlighted');
  await p.page.mouse.click(pt.x, pt.y);
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.state === 'ready');
  assert.equal(await p.page.textContent('#profile-title'), 'Westminster 020C');
  assert.equal(await p.page.getAttribute('#profile', 'data-code'), 'E01004733');
  const body = await p.page.textContent('#profile-body');
  assert.match(body, /BoroughWestminster/);
  const no2 = api.indicators.no2_2019_mean;
  assert.match(body, new RegExp(`${nf1(no2.value).replace('.', '\\.')} µg/m³`));
  assert.match(body, new RegExp(`${no2.rank} of ${no2.of.toLocaleString('en-GB')}`));
  assert.match(body, new RegExp(`London${nf1(no2.london).replace('.', '\\.')} µg/m³`));
  assert.match(p.page.url(), /area=lsoa11\/E01004733/);
  await p.page.screenshot({ path: join(SHOTS, 'parliament-square-1280.png') });
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('search finds a borough and a school and opens their profiles', async () => {
  const p = await openPage(browser.context, server.base, '/');
  await p.page.fill('#search', 'camden');
  await p.page.press('#search', 'Enter');
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.state === 'ready');
  assert.equal(await p.page.textContent('#profile-title'), 'Camden');
  assert.equal(await p.page.getAttribute('#profile', 'data-code'), 'E09000007');
  // a borough also gets the planner summary of /api/query over its outline
  await p.page.waitForFunction(() => document.getElementById('summary').dataset.state === 'ready');
  const outline = await getJson(server.base, '/api/areas/boroughs/E09000007?format=geojson');
  const q = await getJson(server.base, '/api/query', { method: 'POST', body: JSON.stringify(outline.geometry) });
  const pop = Math.round(q.summary.population).toLocaleString('en-GB');
  assert.equal(await p.page.textContent('#summary [data-field="population"]'), pop);

  const expected = (await getJson(server.base, '/api/search?q=Abbey%20Primary%20School')).results.find(r => r.layer === 'superzones');
  assert.equal(expected.code, '146160');
  await p.page.fill('#search', 'Abbey Primary School');
  await p.page.waitForSelector('#search-results li[data-code="146160"]');
  await p.page.click('#search-results li[data-code="146160"]');
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.code === '146160' && document.getElementById('profile').dataset.state === 'ready');
  const body = await p.page.textContent('#profile-body');
  assert.match(body, /SchoolAbbey Primary School/);
  assert.match(body, /PhasePrimary/);
  assert.match(body, /BoroughSutton/);
  await mapIdle(p.page);
  assert.equal(await p.page.inputValue('#geo'), 'superzones');
  await p.page.screenshot({ path: join(SHOTS, 'school-1280.png') });
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('a "lon, lat" or postcode search opens the neighbourhood there; an unknown postcode gets a sentence', async () => {
  const p = await openPage(browser.context, server.base, '/');
  assert.match(await p.page.textContent('#search-hint'), /postcode/i);
  await p.page.fill('#search', '-0.1276, 51.5007');
  await p.page.press('#search', 'Enter');
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.code === 'E01004733' && document.getElementById('profile').dataset.state === 'ready');
  assert.equal(await p.page.textContent('#profile-title'), 'Westminster 020C');
  // SW1A 1AA (Buckingham Palace): the API's 2011 LSOA for it opens.
  const sw1 = await getJson(server.base, '/api/search?q=sw1a1aa');
  assert.equal(sw1.results[0].kind, 'postcode');
  await p.page.fill('#search', 'SW1A 1AA');
  await p.page.press('#search', 'Enter');
  await p.page.waitForFunction(code => document.getElementById('profile').dataset.code === code && document.getElementById('profile').dataset.state === 'ready', sw1.results[0].lsoa11);
  await p.page.fill('#search', 'E1 9ZZ');
  await p.page.press('#search', 'Enter');
  await p.page.waitForSelector('#search-results li');
  assert.match(await p.page.textContent('#search-results'), /E1 9ZZ is not a live London postcode/);
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('a permalink restores indicator, year, geography, view and selected area', async () => {
  const link = '/?ind=imd_decile&year=2025&geo=lsoa&mode=single&at=13.00/51.50070/-0.12760&area=lsoa21/E01004733';
  const p = await openPage(browser.context, server.base, link);
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.state === 'ready');
  assert.equal(await p.page.inputValue('#indicator'), 'imd_decile');
  assert.equal(await p.page.inputValue('#year'), 'imd2025_decile');
  assert.equal(await p.page.inputValue('#geo'), 'lsoa');
  assert.equal(await p.page.inputValue('#mode'), 'single');
  const view = await p.page.evaluate(() => { const c = window.atlas.map.getCenter(); return [window.atlas.map.getZoom(), c.lng, c.lat]; });
  assert.ok(Math.abs(view[0] - 13) < 0.01 && Math.abs(view[1] + 0.1276) < 1e-4 && Math.abs(view[2] - 51.5007) < 1e-4, `view ${view}`);
  assert.equal(await p.page.getAttribute('#profile', 'data-layer'), 'lsoa21');
  assert.equal(await p.page.textContent('#profile-title'), 'Westminster 020C');
  const api = await getJson(server.base, '/api/areas/lsoa21/E01004733');
  assert.match(await p.page.textContent('#profile-body'), new RegExp(`National decile${api.indicators.imd2025_decile.value}`));
  assert.equal(new URL(p.page.url()).search, link.slice(1));
  // the bivariate view round-trips too, with its own 3x3 legend
  await p.page.selectOption('#mode', 'bivariate');
  await mapIdle(p.page);
  assert.equal(await p.page.getAttribute('#legend-indicator', 'data-indicator'), 'bivariate:no2_2019_mean:imd2019_decile');
  assert.equal(await p.page.locator('#legend .grid span').count(), 9);
  const url = p.page.url();
  const q = await openPage(browser.context, server.base, url.slice(url.indexOf('/', 8)));
  assert.equal(await q.page.inputValue('#mode'), 'bivariate');
  assert.equal(await q.page.getAttribute('#legend-indicator', 'data-indicator'), 'bivariate:no2_2019_mean:imd2019_decile');
  await q.page.screenshot({ path: join(SHOTS, 'bivariate-1280.png') });
  assert.deepEqual([...(await allProblems(p)), ...(await allProblems(q))], []);
  await p.page.close();
  await q.page.close();
});

test('drawing a polygon shows the /api/query summary', async () => {
  const p = await openPage(browser.context, server.base, '/?geo=lsoa&at=15/51.5025/-0.125');
  await drawPolygon(p.page, [[-0.13, 51.5], [-0.12, 51.5], [-0.12, 51.505], [-0.13, 51.505]]);
  await p.page.waitForFunction(() => document.getElementById('summary').dataset.state === 'ready');
  // the shape as the server read it back: one polygon of four corners (closed: five)
  const geometry = await p.page.evaluate(() => window.atlas.app.planner.result.boundary.features[0].geometry);
  assert.equal(geometry.coordinates.length, 1);
  assert.equal(geometry.coordinates[0][0].length, 5);
  const api = await getJson(server.base, '/api/query', { method: 'POST', body: JSON.stringify(geometry) });
  assert.equal(await p.page.textContent('#summary [data-field="population"]'), Math.round(api.summary.population).toLocaleString('en-GB'));
  assert.equal(await p.page.textContent('#summary [data-field="children"]'), Math.round(api.summary.indicators.population_0_15_2019.value).toLocaleString('en-GB'));
  assert.equal(await p.page.textContent('#summary [data-field="no2_2019_mean"]'), nf1(api.summary.indicators.no2_2019_mean.value));
  assert.equal(await p.page.textContent('#summary [data-field="imd2019_score"]'), nf1(api.summary.indicators.imd2019_score.value));
  assert.equal(await p.page.getAttribute('#summary li[data-layer="lsoa11"]', 'data-count'), String(api.layers.lsoa11.length));
  const summary = await p.page.textContent('#summary');
  assert.match(summary, /Westminster 020C/);
  // downloads: the summary as CSV and GeoJSON, the rule selection from /api/select
  const csv = await p.page.evaluate(async () => (await fetch(document.getElementById('sum-csv').href)).text());
  assert.match(csv, /^section,id,name,value,method_or_share\n/);
  assert.match(csv, /lsoa11,E01004733,"Westminster 020C"/);
  const gj = await p.page.evaluate(async () => (await fetch(document.getElementById('sum-geojson').href)).json());
  assert.equal(gj.type, 'Feature');
  assert.equal(gj.properties.summary.population, api.summary.population);
  const ruleCsv = await p.page.evaluate(async () => (await fetch(document.getElementById('dl-csv').href)).text());
  const sel = await getJson(server.base, '/api/select?layer=lsoa11&where=no2_2019_mean%3E40');
  // header, one row per area, and the TOTAL row
  assert.equal(ruleCsv.trim().split('\n').length, sel.count + 2);
  assert.match(ruleCsv.trim().split('\n').pop(), new RegExp(`^TOTAL,"?Total of ${sel.count} areas`));
  await p.page.waitForFunction(n => document.getElementById('rule-totals').dataset.count === String(n), sel.count);
  const people = n => Math.round(n).toLocaleString('en-GB');
  assert.match(await p.page.textContent('#rule-totals'), new RegExp(`${people(sel.totals.population_2019)} residents, ${people(sel.totals.population_0_15_2019)} children aged 0–15`));
  const ruleGj = await p.page.evaluate(async () => (await fetch(document.getElementById('dl-geojson').href)).json());
  assert.equal(ruleGj.features.length, sel.count);
  await p.page.screenshot({ path: join(SHOTS, 'drawn-1280.png') });
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('the table view lists the areas worst first and opens a profile', async () => {
  const p = await openPage(browser.context, server.base, '/?geo=boroughs');
  await p.page.click('#table-toggle');
  await p.page.waitForSelector('#table tbody tr');
  const api = await getJson(server.base, '/api/values?layer=boroughs&indicator=no2_2019_mean');
  assert.equal(await p.page.locator('#table tbody tr').count(), 33);
  const first = p.page.locator('#table tbody tr').first().locator('button');
  assert.equal(await first.textContent(), api.areas[0].name);
  await first.focus();
  await p.page.keyboard.press('Enter');
  await p.page.waitForFunction(code => document.getElementById('profile').dataset.code === code && document.getElementById('profile').dataset.state === 'ready', api.areas[0].code);
  assert.equal(await p.page.textContent('#profile-title'), api.areas[0].name);
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('at 375 px wide the page fits the screen and the controls stay reachable', async () => {
  const p = await openPage(browser.context, server.base, '/', { width: 375, height: 740 });
  await waitReady(p.page);
  const overflow = await p.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 375, `page is ${overflow} px wide`);
  for (const id of ['#search', '#indicator', '#year', '#geo', '#mode', '#draw-start', '#table-toggle']) {
    assert.ok(await p.page.locator(id).isVisible() || id === '#draw-start' || id === '#table-toggle', `${id} hidden`);
  }
  const labels = await p.page.evaluate(() => [...document.querySelectorAll('select, input')].filter(e => !e.labels?.length && !e.getAttribute('aria-label')).map(e => e.id));
  assert.deepEqual(labels, [], 'controls without a label');
  const px = await mapPixels(p.page);
  assert.ok(px.share > 0.3);
  await p.page.screenshot({ path: join(SHOTS, 'first-view-375.png') });
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('text meets WCAG AA contrast and the map can be used from the keyboard', async () => {
  const p = await openPage(browser.context, server.base, '/?geo=lsoa&at=14/51.5007/-0.1276&area=lsoa11/E01004733');
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.state === 'ready');
  assert.deepEqual(await p.page.evaluate(lowContrast), []);
  // keyboard: focus the map, Enter picks the area at the centre
  await p.page.click('#profile-close');
  await p.page.focus('.maplibregl-canvas');
  await p.page.keyboard.press('Enter');
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.state === 'ready' && !document.getElementById('profile').hidden);
  assert.equal(await p.page.getAttribute('#profile', 'data-code'), 'E01004733');
  // every interactive control is reachable with Tab and shows a focus outline
  const focusable = await p.page.evaluate(() => [...document.querySelectorAll('button, select, input, a[href], summary, [tabindex]:not([tabindex="-1"])')].filter(e => e.offsetParent && !e.closest('.maplibregl-map')).length);
  const seen = new Set();
  for (let k = 0; k < focusable + 5; k++) {
    await p.page.keyboard.press('Tab');
    const info = await p.page.evaluate(() => { const e = document.activeElement; const cs = getComputedStyle(e); return [e.id || e.textContent.trim().slice(0, 20), cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2]; });
    seen.add(info[0]);
    if (['search', 'indicator', 'draw-start'].includes(info[0])) assert.ok(info[1], `no visible focus on ${info[0]}`);
  }
  for (const id of ['search', 'mode', 'indicator', 'year', 'geo', 'draw-start', 'table-toggle', 'copy-link', 'rule-op', 'rule-value', 'dl-csv']) assert.ok(seen.has(id), `${id} not reached with Tab`);
  // the table's text too
  await p.page.click('#table-toggle');
  await p.page.waitForSelector('#table tbody tr');
  assert.deepEqual(await p.page.evaluate(lowContrast), []);
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('without MapLibre installed the page explains how to install it; unknown /api paths stay JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-web-'));
  for (const f of ['index.html', 'css', 'js']) cpSync(join(root, 'web', f), join(dir, f), { recursive: true });
  const bare = await startServer({ web: dir });
  try {
    const page = await browser.context.newPage();
    await page.goto(bare.base + '/');
    await page.waitForSelector('#fatal:not([hidden])');
    assert.match(await page.textContent('#fatal'), /npm ci --prefix web/);
    await page.close();
    const res = await fetch(bare.base + '/api/nope');
    assert.equal(res.status, 404);
    assert.match((await res.json()).error, /no such endpoint/);
  } finally {
    await bare.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
