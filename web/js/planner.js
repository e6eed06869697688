// Planner tools: click-to-add-corners polygon drawing on the map (no plugin; keyboard users can
// add the map centre as a corner), an uploaded boundary file (GeoJSON or zipped shapefile, by
// file picker or drag-and-drop), the /api/query summary of a drawn or uploaded shape or a
// clicked borough (population, children, population-weighted NO2 and IMD, areas touched, and
// one row per feature of an upload), its CSV/GeoJSON downloads made in the browser, and the
// shape handed to the page for its permalink.

import { api } from './api.js';
import { fmt, fmtArea } from './catalog.js';
import { escapeHtml } from './html.js';
import { decodeShape, encodeShape, roundPosition } from './shape.js';

/** Largest boundary file the server accepts (its request body cap). */
const MAX_UPLOAD_BYTES = 1 << 20;

const LAYER_NAME = { ics: 'Integrated Care Systems', boroughs: 'Boroughs', wards: 'Wards (2013)', lsoa11: 'Neighbourhoods (2011 LSOAs)', lsoa21: 'Neighbourhoods (2021 LSOAs)', superzones: 'School zones' };

export class Planner {
  constructor(atlasMap, catalog, { onDrawing, onShape = () => {} }) {
    this.am = atlasMap;
    this.map = atlasMap.map;
    this.catalog = catalog;
    this.onDrawing = onDrawing;
    /** onShape({code, title, names} | null): the shape to keep in the permalink. */
    this.onShape = onShape;
    this.points = [];
    this.drawing = false;
    this.result = null;
    this.el = document.getElementById('summary');
    this.bar = document.getElementById('draw-bar');
    this.urls = [];
    this.map.addSource('draw', { type: 'geojson', data: empty() });
    this.map.addLayer({ id: 'draw-fill', type: 'fill', source: 'draw', filter: ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]],
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
    const file = document.getElementById('upload-file');
    document.getElementById('upload-start').addEventListener('click', () => file.click());
    file.addEventListener('change', () => { if (file.files[0]) this.upload(file.files[0]); file.value = ''; });
    // Drag-and-drop anywhere on the page; the overlay says what may be dropped.
    let depth = 0;
    const carries = e => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
    window.addEventListener('dragenter', e => { if (carries(e)) { depth++; document.body.classList.add('dropping'); } });
    window.addEventListener('dragleave', e => { if (carries(e) && --depth <= 0) { depth = 0; document.body.classList.remove('dropping'); } });
    window.addEventListener('dragover', e => { if (carries(e)) e.preventDefault(); });
    window.addEventListener('drop', e => {
      if (!carries(e)) return;
      e.preventDefault();
      depth = 0;
      document.body.classList.remove('dropping');
      if (e.dataTransfer.files[0]) this.upload(e.dataTransfer.files[0]);
    });
  }

  /** Sends a boundary file to /api/query and shows what it adds up to. */
  async upload(file) {
    const lower = file.name.toLowerCase();
    const type = lower.endsWith('.zip') ? 'application/zip'
      : (lower.endsWith('.geojson') || lower.endsWith('.json')) ? 'application/geo+json' : null;
    if (!type) {
      this.show(`<p>${escapeHtml(file.name)} is not a boundary file this map reads: choose a GeoJSON file (.geojson or .json, WGS84) or a zipped shapefile (.zip with .shp, .shx, .dbf and .prj, in British National Grid or WGS84).</p>`, 'error');
      return null;
    }
    if (file.size > MAX_UPLOAD_BYTES) {
      this.show(`<p>${escapeHtml(file.name)} is ${(file.size / 1048576).toFixed(1)} MB; the largest boundary file the atlas takes is 1 MB (and 20,000 corners). Simplify it first, for example with QGIS's Simplify tool.</p>`, 'error');
      return null;
    }
    this.stop(true);
    return this.summarise(await file.arrayBuffer(), file.name, true, type);
  }

  /** Shows a shape kept in a permalink (see shape.js). */
  async restore(shape) {
    let geometries;
    try {
      geometries = decodeShape(shape.code);
    } catch (e) {
      this.show(`<p>The link's shape could not be read: ${escapeHtml(e.message)}.</p>`, 'error');
      return null;
    }
    const body = geometries.length === 1 ? geometries[0] : {
      type: 'FeatureCollection',
      features: geometries.map((geometry, i) => ({ type: 'Feature', properties: { name: (shape.names || [])[i] || null }, geometry })),
    };
    return this.summarise(JSON.stringify(body), shape.title, true, 'application/geo+json');
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
    this.points.push(roundPosition(lngLat));
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
    await this.summarise(JSON.stringify(geometry), 'Your drawn area', false, 'application/geo+json');
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
    this.onShape(null);
    this.show('<p>Adding up the areas inside…</p>', 'loading');
    let r;
    try {
      r = await api.query(feature.geometry);
    } catch (e) {
      this.show(`<p>The summary failed: ${escapeHtml(e.message)}</p>`, 'error');
      return null;
    }
    this.result = { title: name, boundary: { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: feature.geometry }] }, answer: r };
    this.render();
    return r;
  }

  /** Posts a drawn, uploaded or linked shape (`body` as sent) to /api/query, draws the
   * boundary as the server read it, shows the answer, keeps the shape for the permalink;
   * `fit` moves the map to it. */
  async summarise(body, title, fit, contentType) {
    this.show('<p>Adding up the areas inside…</p>', 'loading');
    let r;
    try {
      r = await api.queryBoundary(body, contentType);
    } catch (e) {
      this.show(`<p>The summary of ${escapeHtml(title)} failed: ${escapeHtml(e.message)}</p>`, 'error');
      return null;
    }
    const boundary = r.boundary;
    delete r.boundary;
    this.result = { title, boundary, answer: r };
    this.map.getSource('draw').setData(boundary);
    if (fit) this.fit(boundary);
    this.onShape({
      code: encodeShape(boundary.features.map(f => f.geometry)),
      title,
      names: boundary.features.map(f => f.properties.name || null),
    });
    this.render();
    this.el.scrollIntoView({ block: 'nearest' });
    // focus goes to the summary (the drawing bar or file picker it came from is gone)
    const h = this.el.querySelector('h3');
    if (h) { h.tabIndex = -1; h.focus({ preventScroll: true }); }
    return r;
  }

  /** Moves the map to a FeatureCollection's extent. */
  fit(fc) {
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    for (const f of fc.features) {
      for (const poly of f.geometry.coordinates) {
        for (const [x, y] of poly[0]) {
          box[0] = Math.min(box[0], x); box[1] = Math.min(box[1], y);
          box[2] = Math.max(box[2], x); box[3] = Math.max(box[3], y);
        }
      }
    }
    if (Number.isFinite(box[0])) this.am.flyTo(box, 15);
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
    this.onShape(null);
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
      ${this.featureTable(r)}
      <h4>Areas touched</h4><ul class="touched">${touched}</ul>
      <p class="downloads">Download this summary: <a id="sum-csv" href="${csv}" download="london-atlas-summary.csv">CSV</a>
        <a id="sum-geojson" href="${gj}" download="london-atlas-summary.geojson">GeoJSON</a>
        <button type="button" class="secondary" id="sum-clear">Clear</button></p>`);
    document.getElementById('sum-clear').addEventListener('click', () => this.clear());
  }

  /** One row per feature of an upload of several (none otherwise). */
  featureTable(r) {
    const list = r.features || [];
    if (!list.length) return '';
    const no2 = this.catalog.indicators.filter(i => i.id.startsWith('no2_') && (r.summary.indicators || {})[i.id]).sort((a, b) => b.year - a.year)[0];
    const cell = (f, id, unit) => { const v = (f.summary.indicators || {})[id]; return escapeHtml(fmt(v ? v.value : null, unit)); };
    const rows = list.map(f => `<tr data-feature="${f.index}"><th scope="row">${escapeHtml(f.name || `Feature ${f.index}`)}</th>` +
      `<td class="num">${escapeHtml(fmtArea(f.area_m2))}</td><td class="num" data-field="population">${escapeHtml(fmt(f.summary.population, 'people'))}</td>` +
      (no2 ? `<td class="num">${cell(f, no2.id, no2.unit)}</td>` : '') + '</tr>').join('');
    return `<h4>Each of the ${list.length} features</h4><table class="features"><thead><tr><th scope="col">Feature</th><th scope="col">Area</th><th scope="col">Population</th>${no2 ? `<th scope="col">NO2 ${no2.year}</th>` : ''}</tr></thead><tbody>${rows}</tbody></table>`;
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
    for (const f of r.features || []) {
      const section = q(`feature ${f.index}`);
      lines.push([section, 'name', q(f.name || ''), '', ''].join(','));
      lines.push([section, 'area_m2', q('Area'), f.area_m2, ''].join(','));
      lines.push([section, 'population', q('Population (mid-2019)'), f.summary.population ?? '', ''].join(','));
      for (const [id, v] of Object.entries(f.summary.indicators || {})) {
        const ind = this.catalog.indicator(id);
        lines.push([section, id, q(ind ? ind.title : id), v.value ?? '', q(v.method)].join(','));
      }
    }
    return lines.join('\n') + '\n';
  }

  /** The summary as GeoJSON: one Feature, or (for an upload of several) one per feature
   * with its own answer. */
  geojson() {
    const { title, boundary, answer: r } = this.result;
    const per = r.features || [];
    const features = boundary.features.map((f, i) => {
      const a = per[i] || r;
      const name = per[i] ? (a.name || `${title}, feature ${a.index}`) : title;
      return { type: 'Feature', geometry: f.geometry, properties: { title: name, area_m2: a.area_m2, summary: a.summary, layers: a.layers } };
    });
    return features.length === 1 ? features[0] : { type: 'FeatureCollection', features };
  }
}

function empty() { return { type: 'FeatureCollection', features: [] }; }
