// Export: the map as a picture — the Image button's PNG (the map as drawn, with the legend's
// title and classes and the attribution composed beside it) and printing (the map is swapped
// for a still image while the browser prints, since a WebGL canvas does not print reliably).

/** The map canvas as drawn now, as a data URL (the map keeps its drawing buffer for this). */
async function mapSnapshot(am) {
  await am.idle();
  const m = am.map;
  return new Promise(resolve => {
    m.once('render', () => resolve(m.getCanvas().toDataURL('image/png')));
    m.triggerRepaint();
  });
}

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the map image could not be read'));
    img.src = src;
  });
}

/** Lines of `text` no wider than `width` in the context's current font. */
function wrap(ctx, text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (ctx.measureText(next).width > width && line) { lines.push(line); line = word; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A PNG (Blob) of the map with a key beside it: the legend's title, each class swatch with its
 * label (read from the legend as shown) and the attribution lines underneath.
 */
export async function mapPng(am, legendEl, attribution) {
  const img = await loadImage(await mapSnapshot(am));
  const scale = img.width / am.map.getCanvas().clientWidth || 1;
  const keyW = Math.round(280 * scale);
  const pad = Math.round(12 * scale);
  const font = px => `${Math.round(px * scale)}px "DejaVu Sans", "Noto Sans", sans-serif`;
  const probe = document.createElement('canvas').getContext('2d');
  probe.font = font(11);
  const credits = wrap(probe, attribution.join(' '), img.width + keyW - 2 * pad);
  const creditH = credits.length * Math.round(14 * scale) + pad;
  const canvas = document.createElement('canvas');
  canvas.width = img.width + keyW;
  canvas.height = Math.max(img.height, Math.round(200 * scale)) + creditH;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0);
  let y = pad + Math.round(14 * scale);
  const x = img.width + pad;
  ctx.fillStyle = '#1b1f24';
  ctx.font = `bold ${font(13)}`;
  const title = (legendEl.querySelector('.title') || legendEl.querySelector('h2') || { textContent: '' }).textContent.trim();
  for (const l of wrap(ctx, title, keyW - 2 * pad)) { ctx.fillText(l, x, y); y += Math.round(17 * scale); }
  y += Math.round(4 * scale);
  ctx.font = font(12);
  const sw = Math.round(16 * scale);
  for (const li of legendEl.querySelectorAll('ol li')) {
    const swatch = li.querySelector('.sw');
    if (swatch) {
      ctx.fillStyle = getComputedStyle(swatch).backgroundColor;
      ctx.fillRect(x, y - sw + Math.round(3 * scale), sw, sw);
      ctx.strokeStyle = 'rgba(0,0,0,.35)';
      ctx.strokeRect(x, y - sw + Math.round(3 * scale), sw, sw);
    }
    ctx.fillStyle = '#1b1f24';
    const lines = wrap(ctx, li.textContent.trim(), keyW - 2 * pad - sw - Math.round(6 * scale));
    for (const l of lines) { ctx.fillText(l, x + sw + Math.round(6 * scale), y); y += Math.round(15 * scale); }
    y += Math.round(4 * scale);
  }
  ctx.font = font(11);
  ctx.fillStyle = '#3a3f45';
  let cy = canvas.height - creditH + pad;
  for (const l of credits) { ctx.fillText(l, pad, cy); cy += Math.round(14 * scale); }
  return new Promise(resolve => canvas.toBlob(resolve, 'image/png'));
}

/** Downloads `blob` as `name`. */
export function download(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

/** While printing, the map shows as a still image (`.print-map`, visible only in print). */
export function printableMap(am, wrapEl) {
  const show = () => {
    let img = wrapEl.querySelector('img.print-map');
    if (!img) { img = document.createElement('img'); img.className = 'print-map'; img.alt = 'The map as shown on screen'; wrapEl.appendChild(img); }
    img.src = am.map.getCanvas().toDataURL('image/png');
  };
  window.addEventListener('beforeprint', show);
  window.addEventListener('afterprint', () => { const img = wrapEl.querySelector('img.print-map'); if (img) img.remove(); });
  return show;
}
