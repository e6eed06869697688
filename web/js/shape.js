// Shapes in permalinks: a drawn or uploaded boundary (one or more Polygon/MultiPolygon
// geometries) packed into a short URL-safe string for the link's #fragment, and back.
// Coordinates are kept to 6 decimals (about 0.1 m), as zig-zag varints of the difference from
// the previous position, in base64url. A 3,000-vertex borough takes about 16 KB. The fragment
// never reaches the server, so a long shape cannot exceed its request-line limit.

const SCALE = 1e6;
/** Most positions a link may hold (the server's vertex cap for /api/query). */
export const MAX_POSITIONS = 20000;

/** Rounds a [lon, lat] to what a link keeps. */
export const roundPosition = ([lon, lat]) => [Math.round(lon * SCALE) / SCALE, Math.round(lat * SCALE) / SCALE];

/** Packs geometries (GeoJSON Polygon or MultiPolygon) into a base64url string. */
export function encodeShape(geometries) {
  const bytes = [];
  const put = n => {
    let z = n < 0 ? -2 * n - 1 : 2 * n;
    while (z >= 128) { bytes.push((z % 128) + 128); z = Math.floor(z / 128); }
    bytes.push(z);
  };
  let px = 0, py = 0;
  put(geometries.length);
  for (const g of geometries) {
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    put(polygons.length);
    for (const rings of polygons) {
      put(rings.length);
      for (const ring of rings) {
        const open = ring.slice(0, -1); // the closing position repeats the first
        put(open.length);
        for (const [lon, lat] of open) {
          const x = Math.round(lon * SCALE), y = Math.round(lat * SCALE);
          put(x - px); put(y - py);
          px = x; py = y;
        }
      }
    }
  }
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Unpacks a string from {@link encodeShape} into GeoJSON MultiPolygons; throws a sentence
 * when it is damaged or holds more than MAX_POSITIONS positions. */
export function decodeShape(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error('the shape in the link is damaged');
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  let at = 0, positions = 0;
  const get = () => {
    let z = 0, k = 1;
    for (;;) {
      if (at >= bin.length) throw new Error('the shape in the link is cut short');
      const b = bin.charCodeAt(at++);
      z += (b % 128) * k;
      if (b < 128) break;
      k *= 128;
      if (k > 2 ** 42) throw new Error('the shape in the link is damaged');
    }
    return z % 2 ? -(z + 1) / 2 : z / 2;
  };
  const count = () => {
    const n = get();
    if (n < 0 || n > MAX_POSITIONS) throw new Error('the shape in the link is damaged');
    return n;
  };
  let px = 0, py = 0;
  const geometries = [];
  for (let g = count(); g > 0; g--) {
    const polygons = [];
    for (let p = count(); p > 0; p--) {
      const rings = [];
      for (let r = count(); r > 0; r--) {
        const n = count();
        positions += n + 1;
        if (positions > MAX_POSITIONS) throw new Error(`the shape in the link has more than ${MAX_POSITIONS} corners`);
        const ring = [];
        for (let i = 0; i < n; i++) {
          px += get(); py += get();
          ring.push([px / SCALE, py / SCALE]);
        }
        if (ring.length < 3) throw new Error('the shape in the link has a ring of fewer than 3 corners');
        ring.push(ring[0]);
        rings.push(ring);
      }
      polygons.push(rings);
    }
    geometries.push({ type: 'MultiPolygon', coordinates: polygons });
  }
  if (at !== bin.length || !geometries.length) throw new Error('the shape in the link is damaged');
  return geometries;
}
