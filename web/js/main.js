// Page controller: loads MapLibre (or explains how to install it), the catalog and the permalink
// state, wires the controls (view mode, indicator grouped by the Vision's priorities, period,
// the change view's from/to periods, geography), the map, legend, profile, scorecard, search,
// planner tools and table together, and keeps the URL in step. Exposes `window.atlas` (ready
// flag, first-render time, map, state) for the browser tests.

import { api, selectUrl } from './api.js';
import { AUTO_ZOOM, Catalog, GEO_LABEL, fmt, fmtUnit, periodOf } from './catalog.js';
import { fromUrl, toUrl } from './state.js';
import { escapeHtml } from './html.js';
import { AtlasMap, choroplethColor, bivariateColor, changeColor } from './map.js';
import { renderSingle, renderBivariate, renderChange } from './legend.js';
import { Profile } from './profile.js';
import { Search } from './search.js';
import { download, mapPng, printableMap } from './export.js';
import { Planner } from './planner.js';
import { Table } from './table.js';
import { Scorecard } from './scorecard.js';
import { signed } from './vision.js';

const LONDON = [-0.516, 51.292, 0.341, 51.684];
const $ = id => document.getElementById(id);
const atlas = (window.atlas = { ready: false, firstRender: null, errors: [] });

function fatal(html) {
  const el = $('fatal');
  el.innerHTML = html;
  el.hidden = false;
  atlas.fatal = el.textContent;
}

/** The banner shown while the server cannot be reached; it checks again every 5 s. */
function watchServer() {
  let timer = null;
  const banner = $('offline');
  const check = async () => {
    if (await api.alive()) { banner.hidden = true; clearInterval(timer); timer = null; }
  };
  window.addEventListener('atlas:offline', () => {
    if (!banner.hidden) return;
    banner.hidden = false;
    if (!timer) timer = setInterval(check, 5000);
  });
  window.addEventListener('atlas:online', () => { banner.hidden = true; });
  $('offline-retry').addEventListener('click', check);
}

async function boot() {
  watchServer();
  const [gl, indicators, layers, priorities, tilejson] = await Promise.all([
    import('/vendor/maplibre-gl/maplibre-gl.mjs').catch(() => null),
    api.indicators(),
    api.layers(),
    api.priorities(),
    fetch('/tiles/atlas.json').then(r => (r.ok ? r.json() : null)).catch(() => null),
  ]);
  const catalog = new Catalog(indicators, layers, priorities);
  atlas.catalog = catalog;
  listSources(catalog, tilejson);
  if (!gl) {
    fatal(`<h2>The map library is not installed</h2><p>This server has no copy of MapLibre GL JS. From the project folder run <code>npm ci --prefix web</code>, then reload this page.</p><p>The search and the area profiles still work.</p>`);
  }
  const state = fromUrl(location.href, catalog);
  atlas.state = state;
  const app = new App(gl, catalog, state, tilejson);
  atlas.app = app;
  await app.start();
}

function listSources(catalog, tilejson) {
  const seen = new Set();
  const items = [];
  for (const i of catalog.indicators) {
    if (seen.has(i.source)) continue;
    seen.add(i.source);
    items.push(`<li>${escapeHtml(i.source_title)} — ${escapeHtml(i.publisher)}. ${escapeHtml(i.attribution)}</li>`);
  }
  if (tilejson && tilejson.attribution) items.push(`<li>Boundaries: ${escapeHtml(tilejson.attribution)}</li>`);
  $('sources').innerHTML = items.join('');
}

/**
 * Attribution lines for the map: the TileJSON's (boundaries, ONS, LAEI, OGL statement) plus one
 * short "Data:" line naming each publisher it does not name; the full lines are in the Sources
 * list. (One line per source covered a sixth of the map once the Vision's sources came in.)
 */
const SHORT = [
  ['Ministry of Housing, Communities and Local Government', 'MHCLG'],
  ['Office for Health Improvement and Disparities', 'OHID'],
  ['Public Health England', 'PHE'],
  ['Greater London Authority', 'GLA'],
];
function attributionLines(catalog, tilejson) {
  const base = (tilejson && tilejson.attribution) || '';
  const lines = ['London Atlas'];
  if (base) lines.push(base);
  if (!base) {
    for (const a of new Set(catalog.indicators.map(i => i.attribution))) lines.push(a);
    return lines;
  }
  const pubs = [];
  for (const i of catalog.indicators) {
    if (base.includes(i.attribution) || (/National Statistics/.test(base) && /Office for National Statistics/.test(i.publisher))) continue;
    let pub = i.publisher;
    for (const [long, short] of SHORT) pub = pub.replace(long, short);
    pub = pub.replace(/\s*\([^)]*\)/g, '').split(/[;,]/)[0].trim();
    if (!pubs.includes(pub)) pubs.push(pub);
  }
  if (pubs.length) lines.push(`Data: ${pubs.join(', ')}`);
  return lines;
}

class App {
  constructor(gl, catalog, state, tilejson) {
    this.gl = gl;
    this.catalog = catalog;
    this.state = state;
    this.tilejson = tilejson;
    this.drawnLayer = null;
    this.baseNote = null;
    this.applySeq = 0;
    this.changes = new Map();
    this.profile = new Profile(catalog, {
      onClose: () => this.selectArea(null),
      onScorecard: (layer, code, button) => this.scorecard.open(layer, code, button),
    });
    this.scorecard = new Scorecard(catalog, { onChange: card => { this.state.card = card; this.updateUrl(); } });
    this.table = new Table({ onOpen: (layer, code) => this.openArea(layer, code, { fly: true, focus: true }) });
    this.search = new Search({
      onResult: r => this.openArea(r.layer, r.code, { bbox: r.bbox, focus: true }),
      onPoint: p => this.openPoint(p),
    });
  }

  async start() {
    const linkedView = !!this.state.view;
    this.controls();
    if (this.gl) {
      const attribution = attributionLines(this.catalog, this.tilejson);
      const view = this.state.view || this.fitView();
      this.am = new AtlasMap(this.gl, {
        container: 'map',
        view,
        layers: [...this.catalog.layers.values()],
        attribution,
        onPick: (layer, code) => (layer ? this.openArea(layer, code, {}) : this.selectArea(null)),
        onView: () => this.viewChanged(),
        describe: props => this.describe(props),
      });
      atlas.map = this.am.map;
      this.am.map.on('error', e => {
        const msg = String((e.error && e.error.message) || e);
        if (/Failed to fetch|NetworkError|status 0/i.test(msg)) api.alive().then(ok => { if (!ok) window.dispatchEvent(new Event('atlas:offline')); });
        atlas.errors.push(msg);
        console.warn('map:', msg);
      });
      await this.am.ready();
      this.exports(attribution);
      this.planner = new Planner(this.am, this.catalog, {
        onDrawing: d => {
          this.am.interactive = !d;
          document.body.classList.toggle('drawing', d);
          this.am.map.resize();
        },
        onShape: shape => { this.state.shape = shape; this.updateUrl(); },
      });
      $('draw-start').disabled = false;
    } else {
      $('draw-start').disabled = true;
    }
    await this.apply();
    if (this.state.area) await this.openArea(this.state.area.layer, this.state.area.code, { fly: !linkedView });
    if (this.state.card) await this.scorecard.open(this.state.card.layer, this.state.card.code);
    if (this.state.shape && this.planner) await this.planner.restore(this.state.shape);
    if (this.am) {
      await this.am.idle();
      atlas.firstRender = performance.now();
    }
    atlas.ready = true;
    document.body.dataset.ready = 'true';
  }

  /** The Image and Print buttons, and the key over the map on phones (a copy of the legend). */
  exports(attribution) {
    printableMap(this.am, $('map-wrap'));
    $('print-btn').addEventListener('click', () => window.print());
    $('image-btn').addEventListener('click', async () => {
      const b = $('image-btn');
      b.disabled = true;
      try {
        download(await mapPng(this.am, $('legend'), attribution), `london-atlas-${this.state.indicator || 'map'}.png`);
      } finally {
        b.disabled = false;
      }
    });
    const key = $('map-key').querySelector('.key-body');
    const mirror = () => {
      const title = $('legend').querySelector('.title');
      const list = $('legend').querySelector('ol, .bivar');
      key.innerHTML = `${title ? `<div>${escapeHtml(title.textContent)}</div>` : ''}${list ? list.outerHTML : ''}`;
      key.querySelectorAll('[id]').forEach(e => e.removeAttribute('id'));
    };
    new MutationObserver(mirror).observe($('legend'), { childList: true, subtree: true });
    mirror();
  }

  fitView() {
    const el = $('map');
    const w = Math.max(el.clientWidth, 200), h = Math.max(el.clientHeight, 200);
    // zoom so London's bbox fits the map box (Web Mercator, 512 px tiles)
    const dx = (LONDON[2] - LONDON[0]) / 360;
    const y = lat => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360)) / (2 * Math.PI);
    const dy = y(LONDON[3]) - y(LONDON[1]);
    const zoom = Math.log2(Math.min((w * 0.95) / (512 * dx), (h * 0.95) / (512 * dy)));
    return { center: [(LONDON[0] + LONDON[2]) / 2, (LONDON[1] + LONDON[3]) / 2], zoom: Math.max(8, Math.min(zoom, 12)) };
  }

  controls() {
    const cat = this.catalog;
    const ind = $('indicator');
    // Grouped by the Vision's priorities; a priority without data stays, as a disabled entry.
    ind.innerHTML = cat.groups.map(g => {
      const pid = g.priority ? g.priority.id : 'other';
      const opts = g.families.length
        ? g.families.map(f => `<option value="${escapeHtml(f.key)}">${escapeHtml(f.title)}</option>`).join('')
        : `<option value="none:${escapeHtml(pid)}" disabled data-priority="${escapeHtml(pid)}">${g.priority.note ? 'No open local data: see “Priorities with no data on the map”' : 'No data in the atlas yet'}</option>`;
      return `<optgroup label="${escapeHtml(g.label)}" data-priority="${escapeHtml(pid)}">${opts}</optgroup>`;
    }).join('');
    const empty = cat.groups.filter(g => g.priority && !g.families.length);
    $('no-data').hidden = !empty.length;
    $('no-data-list').innerHTML = empty.map(g => `<li data-priority="${escapeHtml(g.priority.id)}"><strong>${escapeHtml(g.label)}</strong>. ` +
      `${escapeHtml(g.priority.note || (g.priority.measures.length ? `Not in the atlas's open data yet: ${g.priority.measures.join('; ')}.` : 'Not in the atlas\'s open data yet.'))}</li>`).join('');
    if (!cat.families.some(f => f.series)) $('mode').querySelector('option[value="change"]').disabled = true;
    ind.addEventListener('change', () => {
      const fam = cat.familyByKey.get(ind.value);
      const cur = cat.indicator(this.state.indicator);
      const same = fam.members.filter(m => m.year === cur.year).pop();
      this.state.indicator = (same || fam.members[fam.members.length - 1]).id;
      if (this.state.mode === 'change') this.enterChange();
      this.apply().then(() => this.reveal());
    });
    for (const [id, key] of [['from', 'from'], ['to', 'indicator']]) {
      $(id).addEventListener('change', () => { this.state[key] = $(id).value; this.apply(); });
    }
    $('london-card').addEventListener('click', e => this.scorecard.open('london', 'london', e.currentTarget));
    $('year').addEventListener('change', () => {
      const v = $('year').value;
      if (this.state.mode === 'bivariate') {
        const [no2, dep] = v.split('|');
        this.state.indicator = no2;
        this.state.dep = dep;
      } else {
        this.state.indicator = v;
      }
      this.apply().then(() => this.reveal());
    });
    $('geo').addEventListener('change', () => { this.state.geo = $('geo').value; this.apply().then(() => this.reveal()); });
    $('mode').addEventListener('change', () => {
      this.state.mode = $('mode').value;
      if (this.state.mode === 'change') this.enterChange();
      this.apply().then(() => this.reveal());
    });
    $('rule-op').addEventListener('change', () => this.updateRule());
    $('rule-value').addEventListener('input', () => this.updateRule());
    $('copy-link').addEventListener('click', async () => {
      const btn = $('copy-link');
      try { await navigator.clipboard.writeText(location.href); btn.textContent = 'Link copied'; } catch { btn.textContent = 'Copy the address bar'; }
      setTimeout(() => { btn.textContent = 'Copy link'; }, 2500);
    });
    $('panel-toggle').addEventListener('click', () => {
      const p = $('panel');
      const collapsed = p.classList.toggle('collapsed');
      $('panel-toggle').setAttribute('aria-expanded', String(!collapsed));
      $('panel-toggle').textContent = collapsed ? 'Show panel' : 'Hide panel';
      if (this.am) setTimeout(() => this.am.map.resize(), 0);
    });
  }

  /** Hover label: the area's name and the value(s) on show (in the change view: from → to). */
  describe(props) {
    const name = props.name || props.code || '';
    if (this.state.mode === 'change') {
      const [to, from] = this.shown();
      const a = props[from.id], b = props[to.id];
      if (typeof a !== 'number' || typeof b !== 'number') return `${name}: no data`;
      return `${name}: ${fmt(a, to.unit)} → ${fmtUnit(b, to.unit)} (${signed(b - a, to.unit)})`;
    }
    const parts = this.shown().map(i => {
      const v = props[i.id];
      return typeof v === 'number' ? fmtUnit(v, i.unit) : 'no data';
    });
    return `${name}: ${parts.join(' · ')}`;
  }

  /** Switching to the change view: a series (the current one, else the first in the menu),
   * from its first period to its last. */
  enterChange() {
    const cat = this.catalog;
    let fam = cat.family(this.state.indicator);
    if (!fam || !fam.series || fam.members.length < 2) {
      fam = cat.groups.flatMap(g => g.families).find(f => f.series && f.members.length > 1);
      if (!fam) { this.state.mode = 'single'; return; }
    }
    this.state.from = fam.members[0].id;
    this.state.indicator = fam.members[fam.members.length - 1].id;
  }

  /**
   * The indicators shown: [main], [no2, deprivation decile] in the bivariate view, or
   * [to, from] (two periods of one series, from earlier) in the change view.
   */
  shown() {
    const cat = this.catalog;
    if (this.state.mode === 'change') {
      const fam = cat.family(this.state.indicator);
      if (!fam || !fam.series || fam.members.length < 2) this.enterChange();
      if (this.state.mode !== 'change') return [cat.indicator(this.state.indicator)];
      const members = cat.family(this.state.indicator).members;
      let k = members.findIndex(m => m.id === this.state.indicator);
      let j = members.findIndex(m => m.id === this.state.from);
      if (k < 1) k = members.length - 1;
      if (j < 0 || j >= k) j = 0;
      this.state.indicator = members[k].id;
      this.state.from = members[j].id;
      return [members[k], members[j]];
    }
    if (this.state.mode !== 'bivariate') return [cat.indicator(this.state.indicator)];
    let no2 = cat.indicator(this.state.indicator);
    if (!no2 || !no2.id.startsWith('no2_')) no2 = cat.indicators.filter(i => i.id.startsWith('no2_')).sort((a, b) => b.year - a.year)[0];
    this.state.indicator = no2.id;
    const decs = cat.indicators.filter(i => /^imd\d{4}_decile$/.test(i.id));
    const dep = decs.find(d => d.id === this.state.dep) || decs.find(d => d.year === 2019) || decs[0];
    this.state.dep = dep.id;
    return [no2, dep];
  }

  /** /api/change for a layer and two periods (cached; a failed answer is not kept). */
  changeData(layer, from, to) {
    const key = `${layer}|${from}|${to}`;
    if (!this.changes.has(key)) this.changes.set(key, api.change(layer, from, to).catch(e => { this.changes.delete(key); throw e; }));
    return this.changes.get(key);
  }

  /** Brings the controls, map, legend, table and URL in line with the state. */
  async apply() {
    const seq = ++this.applySeq;
    const cat = this.catalog;
    const shown = this.shown();
    const [ind, dep] = shown;
    const bivar = this.state.mode === 'bivariate';
    const change = this.state.mode === 'change';
    $('mode').value = this.state.mode;
    $('geo').value = this.state.geo;
    const fam = cat.family(ind.id);
    $('indicator').value = fam.key;
    $('indicator').disabled = bivar;
    // In the change view only series can be chosen.
    for (const o of $('indicator').options) {
      if (o.value.startsWith('none:')) continue;
      const f = cat.familyByKey.get(o.value);
      o.disabled = change && !(f && f.series && f.members.length > 1);
    }
    this.helpLine(fam);
    $('field-year').hidden = change;
    $('field-from').hidden = !change;
    $('field-to').hidden = !change;
    const year = $('year');
    if (bivar) {
      const no2s = fam.members;
      const decs = cat.indicators.filter(i => /^imd\d{4}_decile$/.test(i.id));
      const opts = [];
      for (const d of decs) for (const n of no2s) {
        if (d.layers.some(l => n.layers.includes(l))) opts.push([`${n.id}|${d.id}`, `NO2 ${periodOf(n)} × IMD ${periodOf(d)} (${d.layers.includes('lsoa21') ? '2021' : '2011'} LSOAs)`]);
      }
      year.innerHTML = opts.map(([v, t]) => `<option value="${v}">${escapeHtml(t)}</option>`).join('');
      year.value = `${ind.id}|${dep.id}`;
      year.disabled = false;
    } else if (change) {
      const k = fam.members.indexOf(ind), j = fam.members.indexOf(dep);
      $('from').innerHTML = fam.members.map((m, i) => `<option value="${escapeHtml(m.id)}"${i >= k ? ' disabled' : ''}>${escapeHtml(periodOf(m))}</option>`).join('');
      $('to').innerHTML = fam.members.map((m, i) => `<option value="${escapeHtml(m.id)}"${i <= j ? ' disabled' : ''}>${escapeHtml(periodOf(m))}</option>`).join('');
      $('from').value = dep.id;
      $('to').value = ind.id;
    } else {
      // Say which LSOAs a period is on only where the family's periods differ (IMD 2019 / 2025).
      const vintage = m => (m.layers.includes('lsoa21') && !m.layers.includes('lsoa11') ? ' (2021 LSOAs)' : m.layers.includes('lsoa11') && !m.layers.includes('lsoa21') ? ' (2011 LSOAs)' : '');
      const mixed = new Set(fam.members.map(vintage)).size > 1;
      year.innerHTML = fam.members.map(m => `<option value="${escapeHtml(m.id)}">${escapeHtml(periodOf(m))}${mixed ? vintage(m) : ''}</option>`).join('');
      year.value = ind.id;
      year.disabled = fam.members.length < 2;
    }
    const zoom = this.am ? this.am.map.getZoom() : 10;
    let layer, note;
    if (bivar) {
      layer = dep.layers.find(l => l === 'lsoa11' || l === 'lsoa21');
      note = ['boroughs', 'superzones', 'wards', 'ics'].includes(this.state.geo) ? 'The air pollution × deprivation view is drawn for neighbourhoods (LSOAs), where deprivation deciles are published.' : null;
    } else {
      ({ layer, note } = cat.layerFor(this.drawable(), this.state.geo, zoom));
    }
    let ch = null;
    if (change) {
      try {
        ch = await this.changeData(layer, dep.id, ind.id);
      } catch (e) {
        if (seq !== this.applySeq) return;
        this.setNote(`The change could not be drawn: ${e.message}`);
        return;
      }
      if (seq !== this.applySeq) return;
    }
    this.baseNote = note;
    this.drawnLayer = layer;
    this.setNote(this.noteFor(layer, zoom));
    // Classes and colours come from the server (/api/indicators, /api/change), as in /styles/.
    let classes = null, color;
    if (change) {
      renderChange($('legend'), ch, ind, fam.title, layer, ind.aggregation === 'sum');
      color = changeColor(dep.id, ind.id, ch.classes);
    } else {
      classes = cat.classes(bivar ? dep : ind, layer);
      if (!bivar) renderSingle($('legend'), ind, layer, classes);
      else renderBivariate($('legend'), ind, dep, layer, classes.noData);
      color = bivar ? bivariateColor(ind.id, dep.id, classes.noData) : choroplethColor(ind.id, classes);
    }
    if (this.am) {
      // Overlapping school zones: the worse value is drawn on top, so exposure is never hidden.
      const sign = ind.polarity === 'lower-is-worse' ? -1 : 1;
      const value = change ? ['-', ['get', ind.id], ['get', dep.id]] : ['get', ind.id];
      const sortKey = ['*', sign, ['coalesce', value, sign * -1e9]];
      const boroughs = (cat.layers.get('boroughs') || {}).count || Infinity;
      const fields = change || bivar ? [ind.id, dep.id] : [ind.id];
      this.am.show(layer, color, layer === 'superzones' ? 0.92 : 0.88, sortKey, ((cat.layers.get(layer) || {}).count || Infinity) < boroughs, fields);
    }
    if (change) this.table.showChange(layer, ch, ind);
    else this.table.update(layer, ind, bivar ? { breaks: [], colors: ['transparent'] } : classes);
    this.profile.refresh(change ? [ind.id] : shown.map(i => i.id), change ? { from: dep.id, to: ind.id } : null);
    this.updateRule();
    this.updateUrl();
  }

  /** What the single and change views draw: the indicator, or in the change view the layers
   * both periods are published on. */
  drawable() {
    const [ind, from] = this.shown();
    if (this.state.mode !== 'change') return ind;
    return { title: ind.title, layers: ind.layers.filter(l => from.layers.includes(l)) };
  }

  /** The map note: the geography fallback, else "zoom in to see …", else the auto hint. */
  noteFor(layer, zoom) {
    if (this.baseNote) return this.baseNote;
    const min = (this.catalog.layers.get(layer) || {}).minzoom || 0;
    if (zoom < min) return `Zoom in to see the ${GEO_LABEL[layer] || layer}: they appear from zoom ${min}.`;
    if (this.state.geo === 'auto' && this.state.mode !== 'bivariate' && zoom < AUTO_ZOOM) {
      const fine = this.catalog.layerFor(this.drawable(), 'auto', AUTO_ZOOM).layer;
      if (fine !== layer) {
        const here = GEO_LABEL[layer] || layer;
        return `${here[0].toUpperCase()}${here.slice(1)} shown: zoom in for ${(GEO_LABEL[fine] || fine).replace(/\s*\(.*\)$/, '')}.`;
      }
    }
    return null;
  }

  setNote(note) {
    const el = $('map-note');
    el.hidden = !note;
    el.textContent = note || '';
  }

  /** The help line under the indicator menu: the priority the indicator belongs to. */
  helpLine(fam) {
    const g = this.catalog.groups.find(x => x.families.includes(fam));
    const p = g && g.priority;
    const periods = fam.members.length > 1 ? ` ${fam.series ? 'A series' : 'Published'} for ${fam.members.map(periodOf).join(', ')}.` : '';
    $('indicator-help').textContent = p ? `${p.number ? `Vision priority ${p.number}: ${p.title}` : p.title}.${periods}` : periods.trim();
  }

  /** After the user picks what to see: zoom in far enough for the drawn layer to appear. */
  reveal() {
    if (!this.am || !this.drawnLayer) return;
    const min = (this.catalog.layers.get(this.drawnLayer) || {}).minzoom || 0;
    if (this.am.map.getZoom() < min) this.am.map.easeTo({ zoom: min + 0.05, duration: matchMedia('(prefers-reduced-motion: reduce)').matches ? 0 : 400 });
  }

  updateRule() {
    const ind = this.shown()[0];
    const input = $('rule-value');
    const ruleKey = ind.aggregation === 'sum' ? `${ind.id}|${this.drawnLayer}` : ind.id;
    if (this.ruleFor !== ruleKey) {
      this.ruleFor = ruleKey;
      // counts: London's figure is the total, so start from the middle class break instead
      const mid = () => { try { const b = this.catalog.classes(ind, this.drawnLayer).breaks; return b[Math.floor(b.length / 2)]; } catch { return null; } };
      const v = ind.threshold ?? (ind.unit === 'decile' ? 2 : ind.aggregation === 'sum' ? mid() : ind.london);
      input.value = v === null || v === undefined ? '' : String(Math.round(v * 10) / 10);
      $('rule-op').value = ind.polarity === 'lower-is-worse' ? '<=' : '>';
    }
    const value = Number(input.value);
    const ok = input.value !== '' && Number.isFinite(value);
    const where = `${ind.id}${$('rule-op').value}${value}`;
    $('rule-what').textContent = `${GEO_LABEL[this.drawnLayer] || this.drawnLayer} (${ind.title}${ind.unit === 'µg/m³' ? ', µg/m³' : ''})`;
    for (const [id, fmtName] of [['dl-csv', 'csv'], ['dl-geojson', 'geojson']]) {
      const a = $(id);
      a.setAttribute('aria-disabled', String(!ok));
      a.href = ok ? selectUrl(this.drawnLayer, where, fmtName) : '#';
      a.setAttribute('download', `${this.drawnLayer}-${ind.id}.${fmtName}`);
      a.setAttribute('aria-label', `Download the ${GEO_LABEL[this.drawnLayer] || this.drawnLayer} where ${ind.title} is ${$('rule-op').selectedOptions[0].textContent} ${input.value} as ${fmtName.toUpperCase()}`);
    }
    this.ruleTotals(ok ? where : null);
  }

  /** What the areas the rule picks add up to (from /api/select), under the download links. */
  ruleTotals(where) {
    clearTimeout(this.ruleTimer);
    const el = $('rule-totals');
    if (!where || !this.drawnLayer) { el.textContent = ''; return; }
    const layer = this.drawnLayer;
    this.ruleTimer = setTimeout(async () => {
      const seq = (this.ruleSeq = (this.ruleSeq || 0) + 1);
      let s;
      try { s = await api.select(layer, where); } catch (e) { if (seq === this.ruleSeq) el.textContent = e.message; return; }
      if (seq !== this.ruleSeq) return;
      const t = s.totals || {};
      const parts = [];
      if (t.population_2019 !== undefined) parts.push(`${fmt(t.population_2019, 'people')} residents`);
      if (t.population_0_15_2019 !== undefined) parts.push(`${fmt(t.population_0_15_2019, 'people')} children aged 0–15`);
      el.dataset.count = String(s.count);
      el.textContent = `${s.count.toLocaleString('en-GB')} ${s.count === 1 ? 'area' : (GEO_LABEL[layer] || 'areas')} match${parts.length ? `: ${parts.join(', ')} (mid-2019${s.totals_method.includes('once') ? ', each counted once' : ''})` : ''}.`;
    }, 250);
  }

  viewChanged() {
    const zoom = this.am.map.getZoom();
    if (this.state.geo === 'auto' && this.state.mode !== 'bivariate') {
      const { layer } = this.catalog.layerFor(this.drawable(), 'auto', zoom);
      if (layer !== this.drawnLayer) { this.apply(); return; }
    }
    if (this.drawnLayer) this.setNote(this.noteFor(this.drawnLayer, zoom));
    this.updateUrl();
  }

  updateUrl() {
    if (this.am) this.state.view = this.am.view();
    history.replaceState(null, '', toUrl(this.state, this.catalog));
  }

  selectArea(area) {
    this.state.area = area;
    if (this.am) this.am.select(area);
    if (!area) this.profile.hide();
    this.updateUrl();
  }

  /** Opens an area's profile; `bbox` or `fly` moves the map to it. */
  async openArea(layer, code, { bbox = null, fly = false, focus = false } = {}) {
    this.selectArea({ layer, code });
    const ids = this.state.mode === 'change' ? [this.shown()[0].id] : this.shown().map(i => i.id);
    const p = this.profile.show(layer, code, ids, focus);
    if (this.am && (bbox || fly)) {
      let box = bbox;
      if (!box) {
        const hit = await api.search(code).catch(() => null);
        const r = hit && hit.results.find(x => x.code === code && x.layer === layer);
        box = r && r.bbox;
      }
      if (box) {
        if (layer === 'superzones' && this.state.geo !== 'superzones' && this.state.mode === 'single' && this.catalog.indicator(this.state.indicator).layers.includes('superzones')) {
          this.state.geo = 'superzones';
          await this.apply();
        }
        this.am.flyTo(box, layer === 'boroughs' ? 12 : 15);
      }
    }
    if (layer === 'boroughs' && this.planner) this.planner.summariseArea(layer, code, `Borough: ${code}`).then(() => {
      const t = this.planner.el.querySelector('h3');
      if (t && this.profile.current && this.profile.current.code === code) t.textContent = `Borough: ${this.profile.current.name}`;
    });
    return p;
  }

  /** "lon, lat" search: fly there and open the neighbourhood at that point. */
  async openPoint([lon, lat]) {
    if (this.am) this.am.flyTo([lon, lat]);
    const ans = await api.point(lon, lat).catch(e => ({ areas: [], error: e.message }));
    const want = this.drawnLayer === 'boroughs' ? this.catalog.layerFor(this.catalog.indicator(this.state.indicator), 'lsoa', 14).layer : this.drawnLayer;
    const hit = ans.areas.find(a => a.layer === want) || ans.areas.find(a => a.layer.startsWith('lsoa')) || ans.areas[0];
    if (hit) return this.openArea(hit.layer, hit.code, { focus: true });
    this.search.message('That point is outside London’s boroughs.');
    return null;
  }
}

boot().catch(e => {
  console.error(e);
  fatal(`<h2>The atlas could not start</h2><p>${escapeHtml(e.message)}</p>`);
});
