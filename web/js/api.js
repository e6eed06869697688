// API client: the only module that talks to the server's JSON API (same origin). Errors carry
// the server's own sentence ({"error": ...}) so the page can show it.

/** Fired on window: `atlas:offline` when a request cannot reach the server at all,
 * `atlas:online` when one gets an answer again (the page shows or hides its banner). */
function reachable(ok) {
  window.dispatchEvent(new Event(ok ? 'atlas:online' : 'atlas:offline'));
}

async function json(url, init) {
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    reachable(false);
    throw new Error('The atlas server cannot be reached');
  }
  reachable(true);
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) throw new Error((body && body.error) || `${res.status} ${res.statusText} for ${url}`);
  return body;
}

export const api = {
  /** True when the server answers its health check. */
  alive: () => fetch('/api/health', { cache: 'no-store' }).then(r => r.ok).catch(() => false),
  indicators: () => json('/api/indicators'),
  layers: () => json('/api/layers'),
  priorities: () => json('/api/priorities'),
  headlines: () => json('/api/headlines'),
  change: (layer, from, to) => json(`/api/change?layer=${encodeURIComponent(layer)}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
  /** A scorecard: `layer` 'london' (code ignored) or boroughs / ics with the area's code. */
  scorecard: (layer, code) => json(scorecardUrl(layer, code)),
  area: (layer, code) => json(`/api/areas/${encodeURIComponent(layer)}/${encodeURIComponent(code)}`),
  areaGeojson: (layer, code) => json(`/api/areas/${encodeURIComponent(layer)}/${encodeURIComponent(code)}?format=geojson`),
  values: (layer, indicator) => json(`/api/values?layer=${encodeURIComponent(layer)}&indicator=${encodeURIComponent(indicator)}`),
  point: (lon, lat) => json(`/api/point?lon=${lon}&lat=${lat}`),
  search: q => json(`/api/search?q=${encodeURIComponent(q)}`),
  select: (layer, where) => json(selectUrl(layer, where)),
  query: geometry => json('/api/query', {
    method: 'POST',
    headers: { 'content-type': 'application/geo+json' },
    body: JSON.stringify(geometry),
  }),
  /** A boundary as sent (GeoJSON text or a zipped shapefile's bytes); the answer carries the
   * boundary as the server read it (`boundary`, WGS84) and one answer per feature. */
  queryBoundary: (body, contentType) => json('/api/query?boundary=geojson', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  }),
};

/** URL of a rule selection; format is 'json', 'csv' or 'geojson'. */
export function selectUrl(layer, where, format = 'json') {
  const f = format === 'json' ? '' : `&format=${format}`;
  return `/api/select?layer=${encodeURIComponent(layer)}&where=${encodeURIComponent(where)}${f}`;
}


/** URL of a scorecard (`format` 'csv' for the server's CSV of the same rows). */
export function scorecardUrl(layer, code, format = 'json') {
  const path = layer === 'london' ? '/api/scorecards/london' : `/api/scorecards/${encodeURIComponent(layer)}/${encodeURIComponent(code)}`;
  return format === 'json' ? path : `${path}?format=${format}`;
}
