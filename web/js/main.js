// Page controller: loads MapLibre (or explains how to install it), the catalog and the permalink
// state, wires the controls (view mode, indicator, year, geography), the map, legend, profile,
// search, planner tools and table together, and keeps the URL in step. Exposes `window.atlas`
// (ready flag, first-render time, map, state) for the browser tests.

import { api, selectUrl } from './api.js';
import { Catalog, GEO_LABEL, fmtUnit } from './catalog.js';
import { fromUrl, toUrl } from './state.js';
import { escapeHtml } from './html.js';
import { AtlasMap, choroplethColor, bivariateColor } from './map.js';
import { renderSingle, renderBivariate } from './legend.js';
import { Profile } from './profile.js';
import { Search } from './search.js';
import { Planner } from './planner.js';
import { Table } from './table.js';

const LONDON = [-0.516, 51.292, 0.341, 51.684];
const $ = id => document.getElementById(id);
const atlas = (window.atlas = { ready: false, firstRender: null, errors: [] });

function fatal(html) {
  const el = $('fatal');
  el.innerHTML = html;
  el.hidden = false;
  atlas.fatal = el.textContent;
}

async function boot() {
  const [gl, indicators, layers, tilejson] = await Promise.all([
    import('/vendor/maplibre-gl/maplibre-gl.mjs').catch(() => null),
    api.indicators(),
    api.layers(),
    fetch('/tiles/atlas.json').then(r => (r.ok ? r.json() : null)).catch(() => null),
  ]);
  const catalog = new Catalog(indicators, layers);
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
 * Attribution lines for the map: the TileJSON's (boundaries, ONS, LAEI, OGL statement) plus a
 * short credit for any source it does not name; the full lines are in the Sources list.
 */
function attributionLines(catalog, tilejson) {
  const base = (tilejson && tilejson.attribution) || '';
  const lines = ['London Atlas'];
  if (base) lines.push(base);
  const seen = new Set();
  for (const i of catalog.indicators) {
    const pub = i.publisher.split(';')[0].replace('Ministry of Housing, Communities and Local Government', 'MHCLG');
    if (seen.has(pub) || base.includes(i.attribution) || (base && /National Statistics/.test(base) && /Office for National Statistics/.test(pub))) continue;
    seen.add(pub);
    lines.push(base ? `${i.source_title.replace(/ \d{4}.*$/, '')} © ${pub}` : i.attribution);
  }
  return lines;
}

class App {
  constructor(gl, catalog, state, tilejson) {
    this.gl = gl;
    this.catalog = catalog;
    this.state = state;
    this.tilejson = tilejson;
    this.drawnLayer = null;
    this.profile = new Profile(catalog, { onClose: () => this.selectArea(null) });
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
        atlas.errors.push(msg);
        console.warn('map:', msg);
      });
      await this.am.ready();
      this.planner = new Planner(this.am, this.catalog, {
        onDrawing: d => {
          this.am.interactive = !d;
          document.body.classList.toggle('drawing', d);
          this.am.map.resize();
        },
      });
      $('draw-start').disabled = false;
    } else {
      $('draw-start').disabled = true;
    }
    await this.apply();
    if (this.state.area) await this.openArea(this.state.area.layer, this.state.area.code, { fly: !linkedView });
    if (this.am) {
      await this.am.idle();
      atlas.firstRender = performance.now();
    }
    atlas.ready = true;
    document.body.dataset.ready = 'true';
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
    ind.innerHTML = cat.families.map(f => `<option value="${escapeHtml(f.key)}">${escapeHtml(f.title)}</option>`).join('');
    ind.addEventListener('change', () => {
      const fam = cat.familyByKey.get(ind.value);
      const cur = cat.indicator(this.state.indicator);
      const same = fam.members.find(m => m.year === cur.year);
      this.state.indicator = (same || fam.members[fam.members.length - 1]).id;
      this.apply();
    });
    $('year').addEventListener('change', () => {
      const v = $('year').value;
      if (this.state.mode === 'bivariate') {
        const [no2, dep] = v.split('|');
        this.state.indicator = no2;
        this.state.dep = dep;
      } else {
        this.state.indicator = v;
      }
      this.apply();
    });
    $('geo').addEventListener('change', () => { this.state.geo = $('geo').value; this.apply(); });
    $('mode').addEventListener('change', () => { this.state.mode = $('mode').value; this.apply(); });
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

  /** Hover label: the area's name and the value(s) on show. */
  describe(props) {
    const parts = this.shown().map(i => {
      const v = props[i.id];
      return typeof v === 'number' ? fmtUnit(v, i.unit) : 'no data';
    });
    return `${props.name || props.code || ''}: ${parts.join(' · ')}`;
  }

  /** The indicators shown: [main] or [no2, deprivation decile] in the bivariate view. */
  shown() {
    const cat = this.catalog;
    if (this.state.mode !== 'bivariate') return [cat.indicator(this.state.indicator)];
    let no2 = cat.indicator(this.state.indicator);
    if (!no2 || !no2.id.startsWith('no2_')) no2 = cat.indicators.filter(i => i.id.startsWith('no2_')).sort((a, b) => b.year - a.year)[0];
    this.state.indicator = no2.id;
    const decs = cat.indicators.filter(i => /^imd\d{4}_decile$/.test(i.id));
    const dep = decs.find(d => d.id === this.state.dep) || decs.find(d => d.year === 2019) || decs[0];
    this.state.dep = dep.id;
    return [no2, dep];
  }

  /** Brings the controls, map, legend, table and URL in line with the state. */
  async apply() {
    const cat = this.catalog;
    const shown = this.shown();
    const [ind, dep] = shown;
    const bivar = this.state.mode === 'bivariate';
    $('mode').value = this.state.mode;
    $('geo').value = this.state.geo;
    $('indicator').value = cat.family(ind.id).key;
    $('indicator').disabled = bivar;
    const year = $('year');
    if (bivar) {
      const no2s = cat.family(ind.id).members;
      const decs = cat.indicators.filter(i => /^imd\d{4}_decile$/.test(i.id));
      const opts = [];
      for (const d of decs) for (const n of no2s) {
        if (d.layers.some(l => n.layers.includes(l))) opts.push([`${n.id}|${d.id}`, `NO2 ${n.year} × IMD ${d.year} (${d.layers.includes('lsoa21') ? '2021' : '2011'} LSOAs)`]);
      }
      year.innerHTML = opts.map(([v, t]) => `<option value="${v}">${escapeHtml(t)}</option>`).join('');
      year.value = `${ind.id}|${dep.id}`;
      year.disabled = false;
    } else {
      const fam = cat.family(ind.id);
      year.innerHTML = fam.members.map(m => `<option value="${m.id}">${m.year}${m.layers.includes('lsoa21') && !m.layers.includes('lsoa11') ? ' (2021 LSOAs)' : m.layers.includes('lsoa11') && !m.layers.includes('lsoa21') ? ' (2011 LSOAs)' : ''}</option>`).join('');
      year.value = ind.id;
      year.disabled = fam.members.length < 2;
    }
    const zoom = this.am ? this.am.map.getZoom() : 10;
    let layer, note;
    if (bivar) {
      layer = dep.layers.find(l => l === 'lsoa11' || l === 'lsoa21');
      note = this.state.geo === 'boroughs' || this.state.geo === 'superzones' ? 'The air pollution × deprivation view is drawn for neighbourhoods (LSOAs), where deprivation deciles are published.' : null;
    } else {
      ({ layer, note } = cat.layerFor(ind, this.state.geo, zoom));
    }
    if (!note && layer === 'superzones' && zoom < 10) note = 'Zoom in to see the school zones (they appear from zoom 10).';
    if (!note && this.state.geo === 'auto' && layer === 'boroughs') note = 'Boroughs shown: zoom in for neighbourhoods.';
    const mapNote = $('map-note');
    mapNote.hidden = !note;
    mapNote.textContent = note || '';
    // Classes and colours come from the server (/api/indicators), as in /styles/{indicator}.json.
    const classes = cat.classes(bivar ? dep : ind, layer);
    if (!bivar) renderSingle($('legend'), ind, layer, classes);
    else renderBivariate($('legend'), ind, dep, layer, classes.noData);
    this.drawnLayer = layer;
    if (this.am) {
      const color = bivar ? bivariateColor(ind.id, dep.id, classes.noData) : choroplethColor(ind.id, classes);
      // Overlapping school zones: the worse value is drawn on top, so exposure is never hidden.
      const sign = ind.polarity === 'lower-is-worse' ? -1 : 1;
      const sortKey = ['*', sign, ['coalesce', ['get', ind.id], sign * -1e9]];
      this.am.show(layer, color, layer === 'superzones' ? 0.92 : 0.88, sortKey);
    }
    this.table.update(layer, ind, bivar ? { breaks: [], colors: ['transparent'] } : classes);
    this.profile.refresh(shown.map(i => i.id));
    this.updateRule();
    this.updateUrl();
  }

  updateRule() {
    const ind = this.shown()[0];
    const input = $('rule-value');
    if (this.ruleFor !== ind.id) {
      this.ruleFor = ind.id;
      const v = ind.threshold ?? (ind.unit === 'decile' ? 2 : ind.london);
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
  }

  viewChanged() {
    if (this.state.geo === 'auto' && this.state.mode !== 'bivariate') {
      const { layer } = this.catalog.layerFor(this.catalog.indicator(this.state.indicator), 'auto', this.am.map.getZoom());
      if (layer !== this.drawnLayer) { this.apply(); return; }
    }
    if (this.drawnLayer === 'superzones') this.apply();
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
    const ids = this.shown().map(i => i.id);
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
