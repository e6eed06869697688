// Planner tools: click-to-add-corners polygon drawing on the map (no plugin; keyboard users can
// add the map centre as a corner), the /api/query summary of a drawn shape or a clicked borough
// (population, children, population-weighted NO2 and IMD, areas touched), and its CSV/GeoJSON
// downloads made in the browser.

import { api } from './api.js';
import { fmt, fmtArea } from './catalog.js';
import { escapeHtml } from './html.js';

const LAYER_NAME = { ics: 'Integrated Care Systems', boroughs: 'Boroughs', wards: 'Wards (2013)', lsoa11: 'Neighbourhoods (2011 LSOAs)', lsoa21: 'Neighbourhoods (2021 LSOAs)', superzones: 'School zones' };

export class Planner {
  constructor(atlasMap, catalog, { onDrawing }) {
    this.am = atlasMap;
    this.map = atlasMap.map;
    this.catalog = catalog;
    this.onDrawing = onDrawing;
    this.points = [];
    this.drawing = false;
    this.result = null;
    this.el = document.getElementById('summary');
    this.bar = document.getElementById('draw-bar');
    this.urls = [];
    this.map.addSource('draw', { type: 'geojson', data: empty() });
    this.map.addLayer({ id: 'draw-fill', type: 'fill', source: 'draw', filter: ['==', ['geometry-type'], 'Polygon'],
      paint: { 'fill-color': '#0b5cad', 'fill-opacity': 0.15 } });
    this.map.addLayer({ id: 'draw-line', type: 'line', source: 'draw', filter: ['!=', ['geometry-type'], 'Point'],
      paint: { 'line-color': '#0b5cad', 'line-width': 3, 'line-dasharray': [2, 1] } });
    this.map.addLayer({ id: 'draw-pts', type: 'circle', source: 'draw', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 5, 'circle-color': '#ffffff', 'circle-stroke-color': '#0b5cad', 'circle-stroke-width': 2 } });
    this.map.on('click', e => { if (this.drawing) this.add([e.lngLat.lng, e.lngLat.lat], e.point); });
    this.map.on('dblclick', e => { if (this.drawing) { e.preventDefault(); this.finish(); } });
    document.getElementById('draw-start').addEventListener('click', () => this.start());
    document.getElementById('draw-finish').addEventListener('click', () => this.finish());
    document.getElementById('draw-undo').addEventListener('click', () => { this.points.pop(); this.update(); });
    document.getElementById('draw-cancel').addEventListener('click', () => this.stop(true));
    const centre = document.createElement('button');
    centre.type = 'button';
    centre.id = 'draw-centre';
    centre.textContent = 'Add map centre as corner';
    centre.addEventListener('click', () => { const c = this.map.getCenter(); this.add([c.lng, c.lat]); });
    this.bar.insertBefore(centre, document.getElementById('draw-finish'));
  }

  start() {
    this.stop(true);
    this.drawing = true;
    this.points = [];
    this.update();
    this.bar.hidden = false;
    this.map.doubleClickZoom.disable();
    this.map.getCanvas().style.cursor = 'crosshair';
    this.onDrawing(true);
    document.getElementById('draw-centre').focus();
  }

  stop(clear) {
    this.drawing = false;
    this.bar.hidden = true;
    this.map.doubleClickZoom.enable();
    this.map.getCanvas().style.cursor = '';
    if (clear) { this.points = []; this.update(); }
    this.onDrawing(false);
  }

  add(lngLat, point) {
    const last = this.points[this.points.length - 1];
    // A double-click also fires two clicks: ignore a corner on top of the previous one.
    if (last && point) {
      const p = this.map.project(last);
      if (Math.hypot(p.x - point.x, p.y - point.y) < 4) return;
    }
    this.points.push(lngLat);
    this.update();
  }

  polygon() {
    return { type: 'Polygon', coordinates: [[...this.points, this.points[0]]] };
  }

  update() {
    const feats = this.points.map(p => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } }));
    if (this.points.length >= 3) feats.push({ type: 'Feature', properties: {}, geometry: this.polygon() });
    else if (this.points.length === 2) feats.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: this.points } });
    this.map.getSource('draw').setData({ type: 'FeatureCollection', features: feats });
    document.getElementById('draw-help').textContent = this.points.length < 3
      ? `Click the map to add corners (${this.points.length} so far, at least 3 needed); double-click or “Finish” to close the shape.`
      : `${this.points.length} corners. Double-click or press “Finish” to get the summary.`;
  }

  async finish() {
    if (this.points.length < 3) {
      document.getElementById('draw-help').textContent = 'A shape needs at least 3 corners: keep clicking the map.';
      return;
    }
    const geometry = this.polygon();
    this.stop(false);
    this.map.getSource('draw').setData({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry }] });
    await this.summarise(geometry, 'Your drawn area');
  }

  /** Summary of a borough (or any area): its outline goes to /api/query like a drawn shape. */
  async summariseArea(layer, code, name) {
    let feature;
    try {
      feature = await api.areaGeojson(layer, code);
    } catch (e) {
      this.show(`<p>${escapeHtml(e.message)}</p>`);
      return null;
    }
    this.map.getSource('draw').setData({ type: 'FeatureCollection', features: [] });
    return this.summarise(feature.geometry, name, false);
  }

  /** Posts a shape to /api/query and shows the answer; `scroll` brings it into view (drawn shapes). */
  async summarise(geometry, title, scroll = true) {
    this.show('<p>Adding up the areas inside…</p>', 'loading');
    let r;
    try {
      r = await api.query(geometry);
    } catch (e) {
      this.show(`<p>The summary failed: ${escapeHtml(e.message)}</p>`, 'error');
      return null;
    }
    this.result = { title, geometry, answer: r };
    this.render();
    if (scroll) {
      this.el.scrollIntoView({ block: 'nearest' });
      // after a drawing, focus goes to its summary (the drawing bar it came from is gone)
      const h = this.el.querySelector('h3');
      if (h) { h.tabIndex = -1; h.focus({ preventScroll: true }); }
    }
    return r;
  }

  show(html, state = 'ready') {
    this.el.hidden = false;
    this.el.dataset.state = state;
    this.el.innerHTML = html;
  }

  clear() {
    this.result = null;
    this.el.hidden = true;
    this.el.innerHTML = '';
    this.map.getSource('draw').setData(empty());
  }

  render() {
    const { title, answer: r } = this.result;
    const ind = r.summary.indicators || {};
    const val = id => (ind[id] ? ind[id].value : null);
    const no2 = this.catalog.indicators.filter(i => i.id.startsWith('no2_') && ind[i.id]).sort((a, b) => b.year - a.year);
    const imd = this.catalog.indicators.filter(i => /^imd\d{4}_score$/.test(i.id) && ind[i.id]).sort((a, b) => b.year - a.year);
    const rows = [
      ['Area', fmtArea(r.area_m2), 'planar area (British National Grid)', 'area_km2'],
      ['Population (mid-2019)', fmt(r.summary.population, 'people'), ind.population_2019 ? ind.population_2019.method : '', 'population'],
      ['Children aged 0–15', fmt(val('population_0_15_2019'), 'people'), ind.population_0_15_2019 ? ind.population_0_15_2019.method : '', 'children'],
      ...no2.map(i => [`NO2 ${i.year} (µg/m³)`, fmt(val(i.id), i.unit), ind[i.id].method, i.id]),
      ...imd.map(i => [`IMD ${i.year} score`, fmt(val(i.id), i.unit), ind[i.id].method, i.id]),
    ];
    const touched = Object.entries(r.layers || {}).map(([layer, list]) =>
      `<li data-layer="${escapeHtml(layer)}" data-count="${list.length}">${escapeHtml(LAYER_NAME[layer] || layer)}: <strong>${list.length.toLocaleString('en-GB')}</strong> touched` +
      `, ${list.filter(a => a.overlap_share >= 0.5).length.toLocaleString('en-GB')} at least half inside` +
      (list.length ? `<details><summary>List</summary><ul>${list.slice(0, 200).map(a => `<li>${escapeHtml(a.name)} <span class="src">${escapeHtml(a.code)}, ${Math.round(a.overlap_share * 100)}% inside</span></li>`).join('')}${list.length > 200 ? '<li>…</li>' : ''}</ul></details>` : '') +
      '</li>').join('');
    for (const u of this.urls) URL.revokeObjectURL(u);
    const csv = URL.createObjectURL(new Blob([this.csv()], { type: 'text/csv' }));
    const gj = URL.createObjectURL(new Blob([JSON.stringify(this.geojson())], { type: 'application/geo+json' }));
    this.urls = [csv, gj];
    this.show(`<h3>${escapeHtml(title)}</h3>
      <table><tbody>${rows.map(([k, v, m, id]) => `<tr data-id="${escapeHtml(id)}"><th scope="row">${escapeHtml(k)}</th><td class="num" data-field="${escapeHtml(id)}">${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>
      <p class="src">NO2 and IMD 2019 are population-weighted over the neighbourhoods inside (by the share of each inside); IMD 2025 has no population on 2021 LSOAs and is area-weighted.</p>
      <h4>Areas touched</h4><ul class="touched">${touched}</ul>
      <p class="downloads">Download this summary: <a id="sum-csv" href="${csv}" download="london-atlas-summary.csv">CSV</a>
        <a id="sum-geojson" href="${gj}" download="london-atlas-summary.geojson">GeoJSON</a>
        <button type="button" class="secondary" id="sum-clear">Clear</button></p>`);
    document.getElementById('sum-clear').addEventListener('click', () => this.clear());
  }

  csv() {
    const { title, answer: r } = this.result;
    const q = v => `"${String(v ?? '').replace(/"/g, '""')}"`;
    const lines = [['section', 'id', 'name', 'value', 'method_or_share'].join(',')];
    lines.push(['summary', 'area_m2', q(title), r.area_m2, ''].join(','));
    lines.push(['summary', 'population', q('Population (mid-2019)'), r.summary.population ?? '', ''].join(','));
    for (const [id, v] of Object.entries(r.summary.indicators || {})) {
      const ind = this.catalog.indicator(id);
      lines.push(['summary', id, q(ind ? ind.title : id), v.value ?? '', q(v.method)].join(','));
    }
    for (const [layer, list] of Object.entries(r.layers || {})) {
      for (const a of list) lines.push([layer, a.code, q(a.name), a.overlap_m2, a.overlap_share].join(','));
    }
    return lines.join('\n') + '\n';
  }

  geojson() {
    const { title, geometry, answer: r } = this.result;
    return { type: 'Feature', geometry, properties: { title, area_m2: r.area_m2, summary: r.summary, layers: r.layers } };
  }
}

function empty() { return { type: 'FeatureCollection', features: [] }; }
