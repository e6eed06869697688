// Planners bring their own boundary (issue 10): a GeoJSON file or a zipped shapefile given to
// the "Upload boundary" picker or dropped on the map is summarised per feature and together,
// exactly as POST /api/query answers the same bytes; a drawn or uploaded shape survives in the
// permalink. Expected values come from the API and from GDAL (ogr2ogr writes the shapefile);
// nothing here asserts a timing. Run: node --test tests/web/ (cargo test runs it via tests/web_map.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPage, mapIdle, drawPolygon, getJson, allProblems, SHOTS, useSession } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const data = process.env.ATLAS_DATA || join(root, '..', 'shared', 'data');
const { server, browser } = useSession();
const people = n => Math.round(n).toLocaleString('en-GB');

async function summaryReady(page) {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.getElementById('summary').dataset.state));
  assert.equal(await page.getAttribute('#summary', 'data-state'), 'ready', await page.textContent('#summary'));
}

/** Two boroughs as a FeatureCollection with their names, from the API's own outlines. */
async function twoBoroughs() {
  const features = [];
  for (const code of ['E09000007', 'E09000019']) {
    const f = await getJson(server.base, `/api/areas/boroughs/${code}?format=geojson`);
    features.push({ type: 'Feature', properties: { name: f.properties.name }, geometry: f.geometry });
  }
  return { type: 'FeatureCollection', features };
}

test('an uploaded GeoJSON of two boroughs is summarised per feature and restored from its link', async () => {
  const fc = await twoBoroughs();
  const api = await getJson(server.base, '/api/query', { method: 'POST', body: JSON.stringify(fc) });
  const p = await openPage(browser.context, server.base, '/');
  await p.page.setInputFiles('#upload-file', { name: 'camden-islington.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(fc)) });
  await summaryReady(p.page);
  assert.equal(await p.page.textContent('#summary h3'), 'camden-islington.geojson');
  assert.equal(await p.page.textContent('#summary td[data-field="population"]'), people(api.summary.population));
  const rows = await p.page.$$eval('#summary table.features tbody tr', trs => trs.map(tr => [tr.querySelector('th').textContent, tr.querySelector('[data-field="population"]').textContent]));
  assert.deepEqual(rows, api.features.map(f => [f.name, people(f.summary.population)]));
  assert.deepEqual(rows.map(r => r[0]), ['Camden', 'Islington']);
  // the outline is drawn: the draw source holds both features
  assert.equal(await p.page.evaluate(() => window.atlas.map.getSource('draw').serialize().data.features.length), 2);
  // the downloads carry each feature
  const gj = await p.page.evaluate(async () => (await fetch(document.getElementById('sum-geojson').href)).json());
  assert.equal(gj.type, 'FeatureCollection');
  assert.deepEqual(gj.features.map(f => f.properties.summary.population), api.features.map(f => f.summary.population));
  const csv = await p.page.evaluate(async () => (await fetch(document.getElementById('sum-csv').href)).text());
  assert.match(csv, /"feature 2",name,"Islington"/);
  // the permalink keeps the shape in its fragment, and opening it gives the same summary
  const url = p.page.url();
  assert.match(url, /#shape=[A-Za-z0-9_-]+&title=camden-islington\.geojson&names=/);
  await p.page.screenshot({ path: join(SHOTS, 'upload-1280.png') });
  const q = await openPage(browser.context, server.base, url.slice(url.indexOf('/', 8)));
  await summaryReady(q.page);
  assert.equal(await q.page.textContent('#summary h3'), 'camden-islington.geojson');
  const again = await q.page.$$eval('#summary table.features tbody tr', trs => trs.map(tr => [tr.querySelector('th').textContent, tr.querySelector('[data-field="population"]').textContent]));
  assert.deepEqual(again, rows);
  // the same LSOAs (the link keeps 6 decimals, about 0.1 m)
  const codes = async page => page.evaluate(() => window.atlas.app.planner.result.answer.layers.lsoa11.filter(a => a.overlap_share > 0.5).map(a => a.code).sort());
  assert.deepEqual(await codes(q.page), await codes(p.page));
  assert.deepEqual([...(await allProblems(p)), ...(await allProblems(q))], []);
  await p.page.close();
  await q.page.close();
});

test('a zipped shapefile dropped on the map answers like POST /api/query', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-upload-'));
  try {
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', '-where', "GSS_CODE = 'E09000022'", join(dir, 'lambeth.shp'),
      join(data, 'london-statistical-gis-boundaries/ESRI/London_Borough_Excluding_MHW.shp')]);
    execFileSync('/usr/bin/python3', ['-c', `import zipfile,sys
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    for e in ('shp', 'shx', 'dbf', 'prj'): z.write(sys.argv[2] + '.' + e, 'lambeth.' + e)`, join(dir, 'lambeth.zip'), join(dir, 'lambeth')]);
    const zip = readFileSync(join(dir, 'lambeth.zip'));
    const api = await getJson(server.base, '/api/query', { method: 'POST', headers: { 'content-type': 'application/zip' }, body: zip });
    const p = await openPage(browser.context, server.base, '/');
    // drag over the page: the overlay says what dropping does
    const transfer = await p.page.evaluateHandle(bytes => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'lambeth.zip', { type: 'application/zip' }));
      return dt;
    }, [...zip]);
    await p.page.dispatchEvent('#map', 'dragenter', { dataTransfer: transfer });
    assert.ok(await p.page.evaluate(() => document.body.classList.contains('dropping')));
    await p.page.dispatchEvent('#map', 'drop', { dataTransfer: transfer });
    await summaryReady(p.page);
    assert.ok(!(await p.page.evaluate(() => document.body.classList.contains('dropping'))));
    assert.equal(await p.page.textContent('#summary td[data-field="population"]'), people(api.summary.population));
    assert.equal(await p.page.getAttribute('#summary li[data-layer="lsoa11"]', 'data-count'), String(api.layers.lsoa11.length));
    // one record: no per-feature table; the map moved to Lambeth
    assert.equal(await p.page.$('#summary table.features'), null);
    await mapIdle(p.page);
    const centre = await p.page.evaluate(() => window.atlas.map.getCenter().toArray());
    const hit = await getJson(server.base, `/api/point?lon=${centre[0]}&lat=${centre[1]}`);
    assert.equal(hit.areas.find(a => a.layer === 'boroughs').code, 'E09000022');
    assert.match(p.page.url(), /#shape=.+&title=lambeth\.zip/);
    assert.deepEqual(await allProblems(p), []);
    await p.page.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a drawn shape is kept in the permalink', async () => {
  const p = await openPage(browser.context, server.base, '/?geo=lsoa&at=15/51.5025/-0.125');
  await drawPolygon(p.page, [[-0.13, 51.5], [-0.12, 51.5], [-0.12, 51.505], [-0.13, 51.505]]);
  await summaryReady(p.page);
  const first = await p.page.evaluate(() => window.atlas.app.planner.result.answer);
  const url = p.page.url();
  assert.match(url, /#shape=[A-Za-z0-9_-]+&title=Your\+drawn\+area$/);
  const q = await openPage(browser.context, server.base, url.slice(url.indexOf('/', 8)));
  await summaryReady(q.page);
  const again = await q.page.evaluate(() => window.atlas.app.planner.result.answer);
  // drawn corners are rounded to the link's 6 decimals as they are placed: the same answer
  assert.equal(again.area_m2, first.area_m2);
  assert.equal(again.summary.population, first.summary.population);
  // Clear forgets the shape
  await q.page.click('#sum-clear');
  assert.doesNotMatch(q.page.url(), /#shape=/);
  assert.deepEqual([...(await allProblems(p)), ...(await allProblems(q))], []);
  await p.page.close();
  await q.page.close();
});

test('a wrong file or a damaged link gets a sentence', async () => {
  const p = await openPage(browser.context, server.base, '/');
  await p.page.setInputFiles('#upload-file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await p.page.waitForFunction(() => document.getElementById('summary').dataset.state === 'error');
  assert.match(await p.page.textContent('#summary'), /notes\.txt is not a boundary file this map reads/);
  const line = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[-0.1, 51.5], [-0.11, 51.5]] } }] };
  await p.page.setInputFiles('#upload-file', { name: 'line.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(line)) });
  await p.page.waitForFunction(() => /LineString/.test(document.getElementById('summary').textContent));
  assert.match(await p.page.textContent('#summary'), /The summary of line\.geojson failed: feature 1: the geometry is a LineString/);
  await p.page.close();
  const q = await openPage(browser.context, server.base, '/#shape=AAAA_broken&title=x');
  await q.page.waitForFunction(() => document.getElementById('summary').dataset.state === 'error');
  assert.match(await q.page.textContent('#summary'), /The link's shape could not be read/);
  await q.page.close();
});
