// Browser tests of the Vision's views: the indicator menu grouped by priority (priority 8 kept,
// disabled, with its note), wards and Integrated Care Systems as geographies, trend charts in
// the profile, the change view between two periods of a series, and the printable scorecard
// with its CSV. The real server on 127.0.0.1 and Debian's chromium via playwright-core;
// expected values come from the API. Run: node --test tests/web/ (with the other browser tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { openPage, mapIdle, mapPixels, mapPixelAt, getJson, lowContrast, allProblems, SHOTS, useSession } from './harness.mjs';
import { COMPARISON, comparisonBadge } from '../../web/js/vision.js';

const { server, browser } = useSession();


const whole = v => new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 }).format(v);
const rgb = hex => [1, 3, 5].map(k => parseInt(hex.slice(k, k + 2), 16));
const over = (top, alpha, under) => top.map((c, k) => c * alpha + under[k] * (1 - alpha));
const hex = c => '#' + c.map(v => Math.round(v).toString(16).padStart(2, '0')).join('');

/** CSV text to rows of fields (quotes, doubled quotes, commas and newlines inside quotes). */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; } else if (c !== '\r') field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

const has = cmd => ['/usr/bin', '/usr/local/bin', '/bin'].some(d => existsSync(join(d, cmd)));

/**
 * Text in a PDF without poppler: inflate every stream, read each ToUnicode CMap, and decode the
 * hex strings of the content streams with each CMap in turn (chromium writes glyph ids).
 */
function pdfTextFallback(buf) {
  const bin = buf.toString('latin1');
  const streams = [];
  const re = /stream\r?\n/g;
  let m;
  while ((m = re.exec(bin))) {
    const start = m.index + m[0].length;
    const end = bin.indexOf('endstream', start);
    if (end < 0) break;
    try { streams.push(inflateSync(buf.subarray(start, end)).toString('latin1')); } catch { /* not Flate */ }
    re.lastIndex = end + 9; // past "endstream", whose tail also reads "stream\n"
  }
  const maps = streams.filter(s => /begincmap/.test(s)).map(s => {
    const map = new Map();
    for (const [, block] of s.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const [, g, u] of block.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(g, 16), String.fromCharCode(parseInt(u.slice(0, 4), 16)));
    }
    for (const [, block] of s.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const [, a, b, u] of block.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
        for (let g = parseInt(a, 16), k = 0; g <= parseInt(b, 16); g++, k++) map.set(g, String.fromCharCode(parseInt(u.slice(0, 4), 16) + k));
      }
    }
    return map;
  });
  const hexes = streams.filter(s => /\bT[Jj]\b/.test(s)).flatMap(s => [...s.matchAll(/<([0-9a-fA-F]{4,})>/g)].map(x => x[1]));
  return maps.map(map => hexes.map(h => h.match(/.{4}/g).map(g => map.get(parseInt(g, 16)) || '').join('')).join('')).join('\n');
}

test('the indicator menu is grouped by the Vision\'s priorities; priority 8 stays, disabled, with its note', async t => {
  const priorities = await getJson(server.base, '/api/priorities');
  const indicators = await getJson(server.base, '/api/indicators');
  const p = await openPage(browser.context, server.base, '/');
  const groups = await p.page.$$eval('#indicator optgroup', gs => gs.map(g => ({
    label: g.label, id: g.dataset.priority,
    options: [...g.querySelectorAll('option')].map(o => ({ value: o.value, text: o.textContent, disabled: o.disabled })),
  })));
  assert.equal(groups.length, 12, `${groups.length} groups: ${groups.map(g => g.label).join(' | ')}`);
  assert.equal(groups.length, priorities.length);
  priorities.forEach((pr, k) => {
    assert.equal(groups[k].id, pr.id);
    assert.equal(groups[k].label, pr.number ? `${pr.number}. ${pr.title}` : pr.title);
  });
  assert.equal(groups[0].label, '1. Reduce childhood obesity');
  // priority 8 (HIV and STIs) has no indicators: a disabled entry, and its note on the page
  const eight = priorities.find(pr => pr.number === 8);
  assert.deepEqual(eight.indicators, []);
  assert.ok(eight.note.length > 50);
  const g8 = groups.find(g => g.id === eight.id);
  assert.equal(g8.options.length, 1);
  assert.equal(g8.options[0].disabled, true);
  assert.match(g8.options[0].text, /No open local data/);
  assert.equal(await p.page.isVisible('#no-data'), true);
  await p.page.click('#no-data summary');
  assert.equal((await p.page.textContent(`#no-data-list li[data-priority="${eight.id}"]`)).includes(eight.note), true);
  // every indicator is in exactly one menu entry, under its own priority; a series is one entry
  const families = await p.page.evaluate(() => Object.fromEntries([...window.atlas.catalog.familyByKey].map(([k, f]) => [k, f.members.map(m => m.id)])));
  const entries = groups.flatMap(g => g.options.filter(o => !o.disabled).map(o => ({ group: g.id, key: o.value })));
  assert.equal(new Set(entries.map(e => e.key)).size, entries.length, 'an entry appears twice');
  const seen = entries.flatMap(e => families[e.key].map(id => ({ id, group: e.group })));
  assert.deepEqual(seen.map(s => s.id).sort(), indicators.map(i => i.id).sort());
  for (const s of seen) assert.equal(s.group, indicators.find(i => i.id === s.id).priority, `${s.id} is under ${s.group}`);
  const bySeries = {};
  for (const i of indicators.filter(x => x.series)) (bySeries[i.series] ||= []).push(i);
  for (const [series, members] of Object.entries(bySeries)) {
    assert.equal(entries.filter(e => e.key === series).length, 1, `series ${series} is not one entry`);
    await p.page.selectOption('#indicator', series);
    await mapIdle(p.page);
    const periods = await p.page.$$eval('#year option', os => os.map(o => o.textContent));
    assert.deepEqual(periods, members.sort((a, b) => a.year - b.year).map(i => i.period || String(i.year)));
    t.diagnostic(`series ${series}: ${periods.join(', ')}`);
  }
  // periods as published: "2017/18", not "2018"
  const split = indicators.find(i => i.period && /\//.test(i.period));
  const entry = entries.find(e => families[e.key].includes(split.id));
  await p.page.selectOption('#indicator', entry.key);
  await mapIdle(p.page);
  const periods = await p.page.$$eval('#year option', os => os.map(o => o.textContent));
  assert.ok(periods.includes(split.period), `${split.period} not in ${periods}`);
  if (periods.length > 1) {
    await p.page.selectOption('#year', split.id);
    await mapIdle(p.page);
  }
  assert.equal(await p.page.getAttribute('#legend-indicator', 'data-indicator'), split.id);
  assert.match(await p.page.textContent('#legend'), new RegExp(split.period.replace('/', '\\/')));
  assert.match(await p.page.textContent('#indicator-help'), new RegExp(`Vision priority ${priorities.find(pr => pr.id === split.priority).number}`));
  t.diagnostic(`${split.id}: period menu ${periods.join(', ')}`);
  await p.page.screenshot({ path: join(SHOTS, 'picker-1280.png') });
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('wards and Integrated Care Systems are geographies; a ward-only indicator draws wards', async t => {
  const indicators = await getJson(server.base, '/api/indicators');
  const layers = await getJson(server.base, '/api/layers');
  const wardOnly = indicators.find(i => i.id === 'year6_obesity_2011');
  assert.deepEqual(wardOnly.layers, ['wards'], 'year6_obesity_2011 is published for wards only');
  const p = await openPage(browser.context, server.base, '/');
  const geo = await p.page.$$eval('#geo option', os => os.map(o => [o.value, o.textContent]));
  assert.deepEqual(geo.filter(([v]) => v === 'wards' || v === 'ics'), [['ics', 'Integrated Care Systems'], ['wards', 'Wards (2013)']]);
  assert.equal(await p.page.evaluate(() => window.atlas.app.drawnLayer), 'boroughs');
  const before = await mapPixels(p.page);
  await p.page.selectOption('#indicator', 'year6_obesity');
  await p.page.waitForFunction(id => document.getElementById('legend-indicator').dataset.indicator === id, wardOnly.id);
  await mapIdle(p.page);
  const drawn = await p.page.evaluate(id => {
    const m = window.atlas.map;
    const feats = m.queryRenderedFeatures({ layers: ['choro'] });
    const codes = new Set(feats.map(f => f.properties.code));
    const valued = new Set(feats.filter(f => typeof f.properties[id] === 'number').map(f => f.properties.code));
    return { layer: window.atlas.app.drawnLayer, source: m.getLayer('choro').sourceLayer, codes: codes.size, valued: valued.size, zoom: m.getZoom() };
  }, wardOnly.id);
  t.diagnostic(`year6_obesity_2011 at zoom ${drawn.zoom.toFixed(2)}: ${drawn.codes} wards drawn, ${drawn.valued} with a value`);
  assert.equal(drawn.layer, 'wards');
  assert.equal(drawn.source, 'wards');
  const wards = layers.find(l => l.id === 'wards');
  assert.ok(drawn.codes > wards.count * 0.8, `only ${drawn.codes} of ${wards.count} wards drawn`);
  assert.ok(drawn.valued > wards.count * 0.8, `only ${drawn.valued} wards with a value`);
  const afterPx = await mapPixels(p.page);
  assert.ok(afterPx.share > 0.3);
  assert.notDeepEqual(afterPx.top, before.top, 'the map colours did not change');
  assert.match(await p.page.textContent('#legend'), /Areas: wards \(2013\)/);
  assert.match(p.page.url(), /ind=year6_obesity&year=2011/);
  await p.page.screenshot({ path: join(SHOTS, 'wards-1280.png') });
  // asking for boroughs keeps wards, with a note
  await p.page.selectOption('#geo', 'boroughs');
  await mapIdle(p.page);
  assert.equal(await p.page.evaluate(() => window.atlas.app.drawnLayer), 'wards');
  assert.match(await p.page.textContent('#map-note'), /not published for boroughs; showing wards \(2013\)/);
  // NO2 on the five Integrated Care Systems
  await p.page.selectOption('#indicator', 'no2_mean');
  await p.page.selectOption('#geo', 'ics');
  await mapIdle(p.page);
  const ics = await p.page.evaluate(() => ({ layer: window.atlas.app.drawnLayer, codes: [...new Set(window.atlas.map.queryRenderedFeatures({ layers: ['choro'] }).map(f => f.properties.code))].sort() }));
  assert.equal(ics.layer, 'ics');
  assert.equal(ics.codes.length, layers.find(l => l.id === 'ics').count);
  assert.match(await p.page.textContent('#legend'), /Areas: Integrated Care Systems/);
  assert.match(p.page.url(), /geo=ics/);
  await p.page.screenshot({ path: join(SHOTS, 'ics-1280.png') });
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('the profile draws a trend chart of each series with London, and its values as text', async t => {
  const area = await getJson(server.base, '/api/areas/boroughs/E09000033');
  const rows = area.series.violence;
  assert.ok(rows.length >= 9, `${rows.length} periods`);
  const p = await openPage(browser.context, server.base, '/?ind=violence&geo=boroughs&area=boroughs/E09000033');
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.state === 'ready');
  const fig = '#profile figure.trend[data-series="violence"]';
  const chart = await p.page.$eval(fig, f => {
    const d = l => { const e = f.querySelector(`svg.trend-svg path[data-line="${l}"]`); return e ? e.getAttribute('d') : null; };
    const svg = f.querySelector('svg.trend-svg');
    const names = svg.getAttribute('aria-labelledby').split(' ').map(id => document.getElementById(id).textContent).join(' ');
    return { value: d('value'), london: d('london'), england: d('england'), role: svg.getAttribute('role'), names, key: f.querySelector('.trend-key').textContent, points: f.querySelectorAll('circle.tl-pt').length };
  });
  const count = d => (d.match(/[ML]/g) || []).length;
  assert.equal(count(chart.value), rows.length, `area line ${chart.value}`);
  assert.equal(chart.points, rows.length);
  assert.ok(chart.london, 'no London line');
  assert.equal(count(chart.london), rows.filter(r => r.london !== null).length);
  assert.equal(chart.england, null, 'England publishes no violence figures here, so no England line');
  assert.match(chart.key, /England: not published for this series/);
  assert.equal(chart.role, 'img');
  assert.match(chart.names, /Violence against the person offences/);
  assert.match(chart.names, new RegExp(`Westminster: ${whole(rows[0].value)} offences in ${rows[0].period}, ${whole(rows.at(-1).value)} in ${rows.at(-1).period}`));
  // the text alternative: every period's value and London's, as the API gives them
  const table = await p.page.$$eval(`${fig} tbody tr`, trs => trs.map(tr => [tr.dataset.period, tr.querySelector('[data-line="value"]').textContent, tr.querySelector('[data-line="london"]').textContent]));
  assert.deepEqual(table, rows.map(r => [r.period, whole(r.value), whole(r.london)]));
  t.diagnostic(`Westminster violence ${rows.map(r => `${r.period}: ${r.value}`).join(', ')}`);
  // counts are drawn as an index; the chart says so
  assert.match(await p.page.textContent(fig), /index of its first value/);
  // rough sleeping has England's figures: three lines
  if (area.series.rough_sleepers) {
    const rs = await p.page.$eval('#profile figure.trend[data-series="rough_sleepers"]', f => ['value', 'london', 'england'].map(l => !!f.querySelector(`path[data-line="${l}"]`)));
    assert.deepEqual(rs, [true, true, true]);
  }
  // no comparison from the server: the share of boroughs; a comparison: Fingertips' words
  const v = area.indicators.violence_2021;
  if (v.comparison === null) {
    assert.equal(await p.page.textContent('[data-indicator="violence_2021"] [data-field="share"]'), `higher than ${Math.round(((v.of - v.rank) / v.of) * 100)}% of boroughs`);
  } else {
    assert.equal(await p.page.textContent('[data-indicator="violence_2021"] [data-field="comparison"] .cmp'), COMPARISON[v.comparison].text);
  }
  await p.page.screenshot({ path: join(SHOTS, 'trend-1280.png') });
  await p.page.route('**/api/areas/boroughs/E09000033', async route => {
    const res = await route.fetch();
    const body = await res.json();
    body.indicators.violence_2021.comparison = 'worse';
    body.indicators.violence_2021.interval = [9500, 10200];
    await route.fulfill({ response: res, json: body });
  });
  await p.page.reload();
  await p.page.waitForFunction(() => window.atlas && window.atlas.ready && document.getElementById('profile').dataset.state === 'ready');
  assert.equal(await p.page.textContent('[data-indicator="violence_2021"] [data-field="comparison"] .cmp'), 'Worse than England');
  assert.match(await p.page.textContent('[data-indicator="violence_2021"] [data-field="comparison"]'), /confidence interval 9,500–10,200/);
  assert.equal(await p.page.locator('[data-indicator="violence_2021"] [data-field="share"]').count(), 0);
  for (const [k, c] of Object.entries(COMPARISON)) assert.ok(comparisonBadge(k).includes(c.text));
  assert.deepEqual(Object.values(COMPARISON).map(c => c.text).slice(0, 3), ['Better than England', 'Similar to England', 'Worse than England']);
  await p.page.unroute('**/api/areas/boroughs/E09000033');
  const q = await openPage(browser.context, server.base, '/?ind=violence&geo=boroughs&area=boroughs/E09000033', { width: 375, height: 740 });
  await q.page.waitForFunction(() => document.getElementById('profile').dataset.state === 'ready');
  await q.page.$eval(fig, f => f.scrollIntoView());
  await q.page.screenshot({ path: join(SHOTS, 'trend-375.png') });
  assert.ok(await q.page.evaluate(() => document.documentElement.scrollWidth) <= 375);
  assert.deepEqual([...(await allProblems(p)), ...(await allProblems(q))], []);
  await p.page.close();
  await q.page.close();
});

test('the change view draws violence 2011 to 2019 on boroughs in the server\'s diverging classes', async t => {
  const ch = await getJson(server.base, '/api/change?layer=boroughs&from=violence_2011&to=violence_2019');
  assert.equal(ch.better, 'lower');
  const indicators = await getJson(server.base, '/api/indicators');
  const p = await openPage(browser.context, server.base, '/?ind=violence&geo=boroughs');
  await p.page.selectOption('#mode', 'change');
  await p.page.waitForFunction(() => document.getElementById('legend-indicator').dataset.indicator.startsWith('change:'));
  assert.equal(await p.page.inputValue('#indicator'), 'violence');
  assert.equal(await p.page.inputValue('#from'), 'violence_2011');
  assert.equal(await p.page.inputValue('#to'), 'violence_2021', 'default: first and last period');
  assert.equal(await p.page.isVisible('#year'), false);
  // only series can be chosen: every entry without a series is disabled (NO2 2013/2016/2019
  // while they are three indicators with no `series`)
  const entries = await p.page.$$eval('#indicator option:not([value^="none:"])', os => os.map(o => [o.value, o.disabled]));
  const series = new Set(indicators.filter(i => i.series).map(i => i.series));
  for (const [key, disabled] of entries) assert.equal(disabled, !series.has(key), `${key} ${disabled ? 'disabled' : 'enabled'} in the change view`);
  t.diagnostic(`change view: ${entries.filter(e => !e[1]).map(e => e[0]).join(', ')} enabled; ${entries.filter(e => e[1]).length} entries without a series disabled`);
  // a link to the change view of something without a series shows a series instead
  const single = indicators.find(i => !i.series);
  const r = await openPage(browser.context, server.base, `/?ind=${single.id}&mode=change&geo=boroughs`);
  assert.ok(series.has(await r.page.inputValue('#indicator')), 'the change view shows a series');
  assert.deepEqual(await allProblems(r), []);
  await r.page.close();
  await p.page.selectOption('#to', 'violence_2019');
  await p.page.waitForFunction(() => document.getElementById('legend-indicator').dataset.indicator === 'change:violence_2011:violence_2019');
  await mapIdle(p.page);
  const sense = await p.page.textContent('#legend-sense');
  assert.equal(sense, 'Red: got worse (more offences). Blue: got better (fewer offences).');
  assert.match(await p.page.textContent('#legend-indicator'), /Change in violence against the person offences, 2011 to 2019/);
  const swatches = await p.page.$$eval('#legend ol li .sw', s => s.map(e => getComputedStyle(e).backgroundColor));
  const css = h => `rgb(${rgb(h).join(', ')})`;
  assert.deepEqual(swatches, [...ch.classes.colours].reverse().map(css).concat(css(ch.classes.no_data)), 'worst (biggest rise) first');
  assert.match(p.page.url(), /ind=violence&year=2019&from=2011&geo=boroughs&mode=change/);
  // pixels: the areas with the largest and the smallest change, each in its class colour
  const sorted = ch.areas.filter(a => a.change !== null).sort((a, b) => a.change - b.change);
  const info = await p.page.evaluate(() => {
    const m = window.atlas.map;
    return { opacity: m.getPaintProperty('choro', 'fill-opacity'), land: m.getPaintProperty('land', 'fill-color'), water: m.getPaintProperty('water', 'background-color') };
  });
  const classOf = v => ch.classes.breaks.filter(b => b <= v).length;
  const seen = new Set();
  for (const a of [sorted[0], sorted[Math.floor(sorted.length / 2)], sorted.at(-1)]) {
    const hit = (await getJson(server.base, `/api/search?q=${a.code}`)).results.find(r => r.layer === 'boroughs' && r.code === a.code);
    const k = classOf(a.change);
    const expected = over(rgb(ch.classes.colours[k]), info.opacity, rgb(info.land)).map(Math.round);
    const read = await mapPixelAt(p.page, ...hit.center);
    const off = Math.max(...read.slice(0, 3).map((v, i) => Math.abs(v - expected[i])));
    t.diagnostic(`${a.name}: ${a.from} -> ${a.to} (${a.change > 0 ? '+' : ''}${a.change}), class ${k} ${ch.classes.colours[k]}: expected ${hex(expected)}, read ${hex(read.slice(0, 3))}`);
    assert.ok(off <= 4, `${a.name}: drew ${hex(read.slice(0, 3))}, expected ${hex(expected)}`);
    seen.add(k);
  }
  assert.ok(seen.size >= 2, `only one change class on the map: ${[...seen]}`);
  const px = await mapPixels(p.page);
  assert.ok(px.share > 0.3);
  // the table: worst (biggest rise) first, from the same answer
  await p.page.click('#table-toggle');
  await p.page.waitForSelector('#table tbody tr');
  assert.equal(await p.page.locator('#table tbody tr').count(), ch.areas.length);
  assert.equal(await p.page.textContent('#table tbody tr:first-child button'), sorted.at(-1).name);
  await p.page.click('#table-toggle');
  await p.page.$eval('#panel', e => { e.scrollTop = 0; });
  assert.deepEqual(await p.page.evaluate(lowContrast), [], 'change view text below WCAG AA');
  await p.page.screenshot({ path: join(SHOTS, 'change-1280.png') });
  // a link restores it
  const q = await openPage(browser.context, server.base, '/?ind=violence&year=2019&from=2011&geo=boroughs&mode=change', { width: 375, height: 740 });
  assert.equal(await q.page.getAttribute('#legend-indicator', 'data-indicator'), 'change:violence_2011:violence_2019');
  await q.page.screenshot({ path: join(SHOTS, 'change-375.png') });
  await q.page.$eval('#legend', e => e.scrollIntoView());
  await q.page.screenshot({ path: join(SHOTS, 'change-legend-375.png') });
  assert.deepEqual([...(await allProblems(p)), ...(await allProblems(q))], []);
  await p.page.close();
  await q.page.close();
});

test('a borough scorecard opens, prints to PDF and downloads the same rows as CSV', async t => {
  const card = await getJson(server.base, '/api/scorecards/boroughs/E09000033');
  const headlines = await getJson(server.base, '/api/headlines');
  const p = await openPage(browser.context, server.base, '/?geo=boroughs&area=boroughs/E09000033');
  await p.page.waitForFunction(() => document.getElementById('profile').dataset.state === 'ready');
  await p.page.click('#profile button[data-scorecard]');
  await p.page.waitForFunction(() => document.getElementById('scorecard').dataset.state === 'ready');
  assert.match(p.page.url(), /card=boroughs\/E09000033/);
  assert.equal(await p.page.textContent('#sc-title'), 'Westminster');
  assert.equal(await p.page.evaluate(() => document.activeElement.id), 'sc-title');
  assert.equal(await p.page.evaluate(() => document.querySelector('.layout').inert), true, 'the map stays usable behind the scorecard');
  const sections = await p.page.$$eval('.sc-priority', ss => ss.map(s => ({
    id: s.dataset.priority, title: s.querySelector('h2').textContent, note: (s.querySelector('.sc-note[data-note]') || {}).textContent || '',
    rows: [...s.querySelectorAll('tbody tr')].map(tr => ({ indicator: tr.dataset.indicator, rank: (tr.querySelector('[data-field="rank"]') || {}).textContent, trend: tr.querySelector('[data-field="trend"]').textContent.trim() })),
  })));
  assert.equal(sections.length, card.priorities.length);
  card.priorities.forEach((pr, k) => {
    assert.equal(sections[k].id, pr.id);
    assert.equal(sections[k].title, pr.number ? `${pr.number}. ${pr.title}` : pr.title);
    assert.equal(sections[k].note, pr.note);
    assert.deepEqual(sections[k].rows.map(r => r.indicator), pr.rows.map(r => r.indicator));
    pr.rows.forEach((r, j) => {
      assert.equal(sections[k].rows[j].rank, r.rank ? `${r.rank} of ${r.of}` : '');
      if (r.trend) assert.match(sections[k].rows[j].trend, new RegExp(`${r.trend.direction === 'worse' ? 'Worse' : r.trend.direction === 'better' ? 'Better' : ''}.*since ${r.trend.from_period}`));
    });
  });
  const eight = card.priorities.find(pr => pr.number === 8);
  assert.ok(eight.note && !eight.rows.length);
  assert.equal(await p.page.locator('.sc-headlines li[data-headline]').count(), headlines.length);
  assert.deepEqual(await p.page.evaluate(lowContrast), [], 'scorecard text below WCAG AA');
  for (const h of headlines) assert.match(await p.page.textContent(`.sc-headlines li[data-headline="${h.id}"]`), new RegExp(h.vision.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await p.page.screenshot({ path: join(SHOTS, 'scorecard-1280.png') });
  await p.page.screenshot({ path: join(SHOTS, 'scorecard-full-1280.png'), fullPage: true });

  // the CSV (written by the server): one row per measure (and one per priority without), the API's values
  const csvText = await p.page.evaluate(async () => (await fetch(document.getElementById('sc-csv').href)).text());
  assert.equal(await p.page.getAttribute('#sc-csv', 'download'), 'scorecard-boroughs-E09000033.csv');
  assert.match(await p.page.getAttribute('#sc-csv', 'href'), /\/api\/scorecards\/boroughs\/E09000033\?format=csv$/);
  const [header, ...rows] = parseCsv(csvText);
  assert.deepEqual(header, ['priority_number', 'priority', 'indicator', 'title', 'period', 'unit', 'value', 'london', 'england', 'compared_with_england', 'trend_from_period', 'trend_change', 'trend', 'rank', 'of']);
  const col = Object.fromEntries(header.map((h, k) => [h, k]));
  const expected = card.priorities.flatMap(pr => (pr.rows.length ? pr.rows.map(r => ({ pr, r })) : [{ pr, r: null }]));
  assert.equal(rows.length, expected.length);
  const num = s => (s === '' ? null : Number(s));
  rows.forEach((row, k) => {
    const { pr, r } = expected[k];
    assert.equal(row.length, header.length, `row ${k} has ${row.length} fields`);
    assert.equal(row[col.priority], pr.title);
    if (!r) { assert.equal(row[col.indicator], ''); assert.equal(row[col.title], pr.note); return; }
    assert.equal(row[col.indicator], r.indicator);
    // the CSV writes at most four decimals (formats::csv::number)
    const near = (a, b, what) => (a === null || b === null ? assert.equal(a, b, what) : assert.ok(Math.abs(a - b) <= 5e-5, `${what}: ${a} vs ${b}`));
    for (const f of ['value', 'london', 'england', 'rank', 'of']) near(num(row[col[f]]), r[f] ?? null, `${r.indicator} ${f}`);
    assert.equal(row[col.period], r.period);
    assert.equal(row[col.trend], r.trend ? r.trend.direction : '');
    near(num(row[col.trend_change]), r.trend ? r.trend.change : null, `${r.indicator} trend`);
  });
  t.diagnostic(`CSV: ${rows.length} rows for ${card.priorities.length} priorities, ${expected.filter(e => e.r).length} measures`);

  // print: only the scorecard, on white, and a PDF with content
  await p.page.emulateMedia({ media: 'print' });
  const print = await p.page.evaluate(() => ({
    top: getComputedStyle(document.querySelector('.top')).display,
    layout: getComputedStyle(document.querySelector('.layout')).display,
    bar: getComputedStyle(document.querySelector('.sc-bar')).display,
    position: getComputedStyle(document.getElementById('scorecard')).position,
    bg: getComputedStyle(document.getElementById('scorecard')).backgroundColor,
  }));
  assert.deepEqual(print, { top: 'none', layout: 'none', bar: 'none', position: 'static', bg: 'rgb(255, 255, 255)' });
  await p.page.screenshot({ path: join(SHOTS, 'scorecard-print-1280.png'), fullPage: true });
  const pdf = await p.page.pdf({ format: 'A4', printBackground: true });
  writeFileSync(join(SHOTS, 'scorecard-westminster.pdf'), pdf);
  await p.page.emulateMedia({ media: 'screen' });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  t.diagnostic(`PDF: ${pdf.length} bytes, ${pages} pages`);
  assert.ok(pdf.length > 30000, `PDF of ${pdf.length} bytes`);
  assert.ok(pages >= 2 && pages <= 12, `${pages} pages`);
  if (has('pdftoppm') && has('pdftotext')) {
    const dir = mkdtempSync(join(tmpdir(), 'atlas-pdf-'));
    try {
      const file = join(dir, 'card.pdf');
      writeFileSync(file, pdf);
      execFileSync('pdftoppm', ['-r', '40', '-f', '1', '-l', '1', '-gray', file, join(dir, 'p')]);
      const pgm = readFileSync(join(dir, readdirSync(dir).find(f => f.endsWith('.pgm'))));
      const [, w, h] = pgm.toString('latin1', 0, 40).match(/^P5\s+(\d+)\s+(\d+)\s+255\s/).map(Number);
      const pixels = pgm.subarray(pgm.length - w * h);
      const ink = pixels.filter(v => v < 200).length / pixels.length;
      t.diagnostic(`page 1 at 40 dpi: ${w}x${h}, ${(ink * 100).toFixed(1)}% ink`);
      assert.ok(ink > 0.01 && ink < 0.5, `page 1 has ${(ink * 100).toFixed(1)}% dark pixels`);
      execFileSync('pdftoppm', ['-r', '60', '-f', '1', '-l', '1', '-png', file, join(SHOTS, 'scorecard-pdf-page1')]);
      const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
      const first = execFileSync('pdftotext', ['-f', '1', '-l', '1', file, '-']).toString();
      assert.match(first, /Westminster/);
      assert.match(first, /1\. Reduce childhood obesity/);
      assert.ok(text.replace(/\s+/g, ' ').includes(eight.note.slice(0, 60)), 'priority 8\'s note is not in the PDF');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    t.diagnostic('no pdftoppm/pdftotext (poppler-utils): searching the PDF\'s own text');
    assert.match(pdfTextFallback(pdf), /Westminster/);
  }

  // Escape closes it: the map is back, focus returns to the Scorecard button, the link forgets it
  await p.page.keyboard.press('Escape');
  assert.equal(await p.page.isVisible('#scorecard'), false);
  assert.doesNotMatch(p.page.url(), /card=/);
  assert.equal(await p.page.evaluate(() => document.activeElement.matches('#profile button[data-scorecard]')), true);
  assert.equal(await p.page.evaluate(() => document.querySelector('.layout').inert), false);
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});

test('the London scorecard opens from a link and fits a phone', async () => {
  const card = await getJson(server.base, '/api/scorecards/london');
  const p = await openPage(browser.context, server.base, '/?card=london', { width: 375, height: 740 });
  await p.page.waitForFunction(() => document.getElementById('scorecard').dataset.state === 'ready');
  assert.equal(await p.page.textContent('#sc-title'), 'London');
  assert.equal(await p.page.locator('.sc-table [data-field="rank"]').count(), 0, 'London has no rank');
  const values = await p.page.$$eval('.sc-table tbody tr', trs => trs.map(tr => tr.dataset.indicator));
  assert.deepEqual(values, card.priorities.flatMap(pr => pr.rows.map(r => r.indicator)));
  assert.ok(await p.page.evaluate(() => document.documentElement.scrollWidth) <= 375);
  assert.ok(await p.page.evaluate(() => document.getElementById('scorecard').scrollWidth) <= 375, 'the scorecard scrolls sideways');
  await p.page.screenshot({ path: join(SHOTS, 'scorecard-375.png') });
  await p.page.evaluate(() => document.querySelector('.sc-priority[data-priority="violence"]').scrollIntoView());
  await p.page.screenshot({ path: join(SHOTS, 'scorecard-violence-375.png') });
  await p.page.click('#sc-close');
  assert.equal(await p.page.isVisible('#scorecard'), false);
  assert.deepEqual(await allProblems(p), []);
  await p.page.close();
});
