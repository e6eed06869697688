// Map: owns the MapLibre map, its style (built here from the catalog, with nothing from outside:
// the basemap is our own `context` tileset — borough and ward outlines, the Thames, place and
// station names — and its labels use the glyphs this server serves at /fonts), the
// choropleth / bivariate / change paint expressions, hover (feature-state) and selection highlight, and
// turning clicks or Enter on the focused map into "area picked" callbacks.

import { BIVARIATE, BIVAR_NO2, BIVAR_DECILE } from './catalog.js';

/** One vector source per atlas layer (/tiles/{layer}/...): the map fetches only the layers it
 * draws, so the borough view costs kilobytes, not the composite `atlas` tileset's megabytes. */
/** A layer's tile URL carrying only the indicator values `fields` (code, name and borough
 * always come): a borough feature would otherwise carry every one of ~230 indicators. */
export const tileUrl = (layer, fields = []) => new URL(`/tiles/${layer}/{z}/{x}/{y}.mvt?fields=${[...new Set(fields)].sort().join(',')}`, location.href).href
  .replace(/%7B/g, '{').replace(/%7D/g, '}');
const WATER = '#c9dbe8';
/** The glyph URL template of this server (MapLibre fills in {fontstack} and {range}). */
export const glyphUrl = () => new URL('/fonts/{fontstack}/{range}.pbf', location.href).href
  .replace(/%7B/g, '{').replace(/%7D/g, '}');
const HALO = { 'text-halo-color': 'rgba(255,255,255,0.92)', 'text-halo-width': 1.6 };
/** The basemap over the choropleth: ward outlines from z11, then water, station and place
 * names (places from the zoom their OS scale hint gives, which the tiles already apply). */
const BASEMAP_OVER = [
  { id: 'ward-line', type: 'line', source: 'context', 'source-layer': 'wards', minzoom: 11,
    paint: { 'line-color': '#2b2f33', 'line-opacity': 0.45, 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 0.4, 15, 1.2], 'line-dasharray': [3, 2] } },
  { id: 'water-label', type: 'symbol', source: 'context', 'source-layer': 'water', minzoom: 12,
    layout: { 'text-field': ['get', 'name'], 'text-font': ['Noto Sans Italic'], 'text-size': 12 },
    paint: { 'text-color': '#2c5d87', ...HALO } },
  { id: 'station-dot', type: 'circle', source: 'context', 'source-layer': 'stations', minzoom: 12,
    paint: { 'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 2.5, 15, 4.5], 'circle-color': '#ffffff', 'circle-stroke-color': '#1b1f24', 'circle-stroke-width': 1.5 } },
  { id: 'station-label', type: 'symbol', source: 'context', 'source-layer': 'stations', minzoom: 13,
    layout: { 'text-field': ['get', 'name'], 'text-font': ['Noto Sans Regular'], 'text-size': 11, 'text-anchor': 'top', 'text-offset': [0, 0.7], 'text-max-width': 8, 'text-optional': true },
    paint: { 'text-color': '#3a3f45', ...HALO } },
  { id: 'place-label', type: 'symbol', source: 'context', 'source-layer': 'places',
    layout: { 'text-field': ['get', 'name'], 'text-font': ['Noto Sans Medium'], 'text-max-width': 7,
      'text-size': ['interpolate', ['linear'], ['zoom'], 9, 11, 15, 16], 'text-padding': 4 },
    paint: { 'text-color': '#1b1f24', ...HALO } },
];
/** Ids of the basemap's label layers (the tests and the legend ask for them). */
export const LABEL_LAYERS = ['place-label', 'station-label', 'water-label'];
const LAND = '#f3f1ec';
const CHORO_LAYERS = ['choro', 'choro-line', 'choro-hover'];

/** Paint expression for one indicator with its server classes {breaks, colors, noData}
 * (MapLibre `step`: a value equal to a break takes the colour above it, as in the style). */
export function choroplethColor(id, classes) {
  const step = ['step', ['get', id], classes.colors[0]];
  classes.breaks.forEach((b, k) => step.push(b, classes.colors[k + 1]));
  return ['case', ['==', ['typeof', ['get', id]], 'number'], step, classes.noData];
}

/** Paint expression for the change view: the later period minus the earlier, stepped over the
 * diverging classes of /api/change {breaks, colours, no_data}; no data where either is missing. */
export function changeColor(from, to, classes) {
  const step = ['step', ['-', ['get', to], ['get', from]], classes.colours[0]];
  classes.breaks.forEach((b, k) => step.push(b, classes.colours[k + 1]));
  return ['case', ['all', ['==', ['typeof', ['get', from]], 'number'], ['==', ['typeof', ['get', to]], 'number']], step, classes.no_data];
}

/** Paint expression for the 3x3 NO2 x deprivation view; `noData` is the server's no-data colour. */
export function bivariateColor(no2, decile, noData) {
  const n = ['step', ['get', no2], 0, BIVAR_NO2[0], 1, BIVAR_NO2[1], 2];
  // decile 1-3 (most deprived) -> 2, 4-7 -> 1, 8-10 -> 0
  const d = ['step', ['get', decile], 2, BIVAR_DECILE[0], 1, BIVAR_DECILE[1], 0];
  return [
    'case',
    ['all', ['==', ['typeof', ['get', no2]], 'number'], ['==', ['typeof', ['get', decile]], 'number']],
    ['match', ['+', ['*', 3, d], n], ...BIVARIATE.flatMap((c, k) => [k, c]), noData],
    noData,
  ];
}

export class AtlasMap {
  /**
   * @param maplibregl the MapLibre module
   * @param opts {container, view, layers: [{id, minzoom}], attribution: string[], onPick(layer, code, lngLat),
   *   onView(), describe(properties) -> hover label}
   */
  constructor(maplibregl, opts) {
    this.gl = maplibregl;
    this.opts = opts;
    this.layer = null;
    this.hovered = null;
    this.selected = null;
    this.interactive = true;
    const sources = {};
    for (const l of opts.layers) sources[l.id] = { type: 'vector', tiles: [tileUrl(l.id)], minzoom: l.minzoom || 0, maxzoom: 14 };
    sources.context = { type: 'vector', tiles: [tileUrl('context')], maxzoom: 14 };
    this.map = new maplibregl.Map({
      container: opts.container,
      center: opts.view.center,
      zoom: opts.view.zoom,
      minZoom: 8,
      maxZoom: 17,
      maxBounds: [[-1.2, 51.1], [1.0, 51.9]],
      attributionControl: false,
      // kept so the Image button and printing can read what was drawn
      canvasContextAttributes: { preserveDrawingBuffer: true },
      fadeDuration: 0,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      cooperativeGestures: false,
      style: {
        version: 8,
        glyphs: glyphUrl(),
        sources,
        layers: [
          { id: 'water', type: 'background', paint: { 'background-color': WATER } },
          { id: 'land', type: 'fill', source: 'boroughs', 'source-layer': 'boroughs', paint: { 'fill-color': LAND } },
          { id: 'river', type: 'fill', source: 'context', 'source-layer': 'water', paint: { 'fill-color': WATER } },
          { id: 'borough-line', type: 'line', source: 'boroughs', 'source-layer': 'boroughs',
            paint: { 'line-color': '#2b2f33', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.8, 13, 2] } },
          ...BASEMAP_OVER,
        ],
      },
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'top-left');
    this.map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: opts.attribution }), 'bottom-right');
    this.tip = document.createElement('div');
    this.tip.className = 'map-tip';
    this.tip.hidden = true;
    this.tip.setAttribute('aria-hidden', 'true'); // the profile and table carry the same facts
    this.map.getContainer().appendChild(this.tip);
    this.map.on('mousemove', 'choro', e => this.hover(e.features && e.features[0], e.point));
    this.map.on('mouseleave', 'choro', () => this.hover(null));
    this.map.on('click', e => this.click(e));
    this.map.on('moveend', () => opts.onView && opts.onView());
    const canvas = this.map.getCanvas();
    canvas.setAttribute('aria-label', 'Map. Arrow keys pan, plus and minus zoom, Enter shows the profile of the area at the centre.');
    canvas.addEventListener('keydown', e => {
      if (e.key === 'Enter' && this.interactive) {
        const c = this.map.getCenter();
        this.pickAt(this.map.project(c), c);
      }
    });
  }

  ready() {
    return new Promise(resolve => (this.map.loaded() ? resolve() : this.map.once('load', resolve))).then(() => {
      // On a phone the attribution starts folded behind its (i) button so it does not cover the map.
      const a = this.map.getContainer().querySelector('.maplibregl-ctrl-attrib.maplibregl-compact-show');
      if (a) { a.classList.remove('maplibregl-compact-show'); a.setAttribute('open', ''); }
    });
  }

  view() {
    const c = this.map.getCenter();
    return { center: [c.lng, c.lat], zoom: this.map.getZoom() };
  }

  /**
   * Draw `layer` coloured by the paint expression `color`; keeps the selection highlight.
   * `coarse`: areas larger than boroughs (the five Integrated Care Systems), outlined in a bold
   * dark line above the borough lines so each system reads as one shape.
   */
  /**
   * Draw `layer` coloured by `color`, from tiles carrying only the indicator values `fields`
   * (the choropleth has its own source, `choro`, so the outlines' sources stay small and a new
   * field set is a new source: MapLibre refetches nothing for a source whose URL changes).
   */
  show(layer, color, opacity, sortKey, coarse = false, fields = []) {
    const m = this.map;
    const url = tileUrl(layer, fields);
    if (this.layer !== layer || this.choroUrl !== url) {
      this.hover(null);
      for (const id of CHORO_LAYERS) if (m.getLayer(id)) m.removeLayer(id);
      if (m.getSource('choro')) m.removeSource('choro');
      const minzoom = (this.opts.layers.find(l => l.id === layer) || {}).minzoom || 0;
      m.addSource('choro', { type: 'vector', tiles: [url], minzoom, maxzoom: 14 });
      this.choroUrl = url;
      const src = { source: 'choro', 'source-layer': layer };
      m.addLayer({ id: 'choro', type: 'fill', ...src, layout: { 'fill-sort-key': sortKey },
        paint: { 'fill-color': color, 'fill-opacity': opacity } }, 'borough-line');
      m.addLayer({ id: 'choro-line', type: 'line', ...src,
        paint: coarse
          ? { 'line-color': '#1b1f24', 'line-width': ['interpolate', ['linear'], ['zoom'], 8, 2.2, 13, 4] }
          : { 'line-color': '#ffffff', 'line-opacity': ['interpolate', ['linear'], ['zoom'], 9, 0.25, 13, 0.6], 'line-width': ['interpolate', ['linear'], ['zoom'], 9, 0.1, 14, 0.8] } },
      coarse ? ['selected-casing', 'draw-fill', 'water-label'].find(id => m.getLayer(id)) : 'borough-line');
      m.addLayer({ id: 'choro-hover', type: 'line', ...src,
        paint: { 'line-color': '#000000', 'line-width': 2.5,
          'line-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 1, 0] } }, m.getLayer('selected-casing') ? 'selected-casing' : 'water-label');
      this.layer = layer;
    } else {
      m.setPaintProperty('choro', 'fill-color', color);
      m.setPaintProperty('choro', 'fill-opacity', opacity);
      m.setLayoutProperty('choro', 'fill-sort-key', sortKey);
    }
  }

  hover(feature, point) {
    const m = this.map;
    if (feature && point && this.interactive && this.opts.describe) {
      this.tip.textContent = this.opts.describe(feature.properties || {});
      this.tip.style.transform = `translate(${Math.round(point.x + 14)}px, ${Math.round(point.y + 14)}px)`;
      this.tip.hidden = false;
    } else {
      this.tip.hidden = true;
    }
    if (this.hovered !== null && this.layer) {
      if (m.getSource('choro')) m.setFeatureState({ source: 'choro', sourceLayer: this.layer, id: this.hovered }, { hover: false });
    }
    this.hovered = null;
    m.getCanvas().style.cursor = feature && this.interactive ? 'pointer' : '';
    if (feature && feature.id !== undefined && this.interactive) {
      this.hovered = feature.id;
      m.setFeatureState({ source: 'choro', sourceLayer: this.layer, id: feature.id }, { hover: true });
    }
  }

  /** Outline an area {layer, code} (drawn or not: a borough stays outlined over LSOAs); null clears. */
  select(area) {
    this.selected = area;
    const m = this.map;
    for (const id of ['selected-casing', 'selected']) if (m.getLayer(id)) m.removeLayer(id);
    if (!area) return;
    const base = { source: area.layer, 'source-layer': area.layer, filter: ['==', ['get', 'code'], area.code] };
    m.addLayer({ id: 'selected-casing', type: 'line', ...base, paint: { 'line-color': '#ffffff', 'line-width': 7 } }, 'water-label');
    m.addLayer({ id: 'selected', type: 'line', ...base, paint: { 'line-color': '#000000', 'line-width': 3.5 } }, 'water-label');
  }

  click(e) {
    if (!this.interactive) return;
    this.pickAt(e.point, e.lngLat);
  }

  pickAt(point, lngLat) {
    const feats = this.map.getLayer('choro') ? this.map.queryRenderedFeatures(point, { layers: ['choro'] }) : [];
    const f = feats.find(x => x.properties && x.properties.code);
    if (f) this.opts.onPick(this.layer, f.properties.code, lngLat);
    else this.opts.onPick(null, null, lngLat);
  }

  /** Fly to a bbox [w, s, e, n] or a point [lon, lat]. */
  flyTo(target, maxZoom = 14) {
    const duration = matchMedia('(prefers-reduced-motion: reduce)').matches ? 0 : 600;
    if (target.length === 4) {
      this.map.fitBounds([[target[0], target[1]], [target[2], target[3]]], { padding: 40, maxZoom, duration });
    } else {
      this.map.flyTo({ center: target, zoom: Math.max(this.map.getZoom(), 13), duration });
    }
  }

  /** Resolves once the map has drawn everything it asked for. */
  idle() {
    return new Promise(resolve => {
      if (this.map.loaded() && this.map.areTilesLoaded() && !this.map.isMoving()) resolve();
      else this.map.once('idle', resolve);
    });
  }
}
