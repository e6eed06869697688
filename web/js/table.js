// Table view: the accessible alternative to the map. Lists every area of the layer being drawn,
// worst first by the current indicator (from /api/values), or in the change view by the change
// between the two periods (from /api/change, the answer the map is drawn from), with its class
// colour; a row's button opens that area's profile and flies the map there.

import { api } from './api.js';
import { GEO_LABEL, classOf, familyTitle, fmt } from './catalog.js';
import { escapeHtml } from './html.js';
import { signed } from './vision.js';

export class Table {
  constructor({ onOpen }) {
    this.section = document.getElementById('table-view');
    this.toggle = document.getElementById('table-toggle');
    this.caption = document.getElementById('table-caption');
    this.table = document.getElementById('table');
    this.onOpen = onOpen;
    this.key = null;
    this.cache = new Map();
    this.toggle.addEventListener('click', () => this.setOpen(this.section.hidden));
    this.table.addEventListener('click', e => {
      const b = e.target.closest('button[data-code]');
      if (b) this.onOpen(b.dataset.layer, b.dataset.code);
    });
  }

  get open() { return !this.section.hidden; }

  setOpen(open) {
    this.section.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.textContent = open ? 'Hide table' : 'Table view';
    if (open && this.pending) this.pending();
  }

  /** Values of an indicator on a layer (cached; fetched only for the open table). */
  async values(layer, indicatorId) {
    const key = `${layer}|${indicatorId}`;
    if (!this.cache.has(key)) this.cache.set(key, api.values(layer, indicatorId).catch(e => { this.cache.delete(key); throw e; }));
    return this.cache.get(key);
  }

  /** Show `ind` on `layer` (only fetched while the table is open). */
  async update(layer, ind, classes) {
    this.pending = () => this.update(layer, ind, classes);
    if (!this.open) return;
    const key = `${layer}|${ind.id}|${classes.breaks.join(',')}`;
    if (key === this.key) return;
    this.key = key;
    let data;
    try {
      data = await this.values(layer, ind.id);
    } catch (e) {
      this.caption.textContent = `Could not load the table: ${e.message}`;
      return;
    }
    if (this.key !== key) return;
    const withValue = data.areas.filter(a => a.value !== null).length;
    const sense = ind.polarity === 'lower-is-worse' ? 'lowest (worst) first' : ind.polarity === 'neutral' ? 'largest first' : 'highest (worst) first';
    this.caption.textContent = `${data.count.toLocaleString('en-GB')} ${GEO_LABEL[layer] || layer}, ${sense}, by ${ind.title}${ind.unit && ind.unit !== 'decile' && ind.unit !== 'score' ? ` (${ind.unit})` : ''}. ${data.count - withValue ? `${data.count - withValue} without a value are listed last.` : ''}`;
    const showBorough = layer !== 'boroughs';
    this.table.tHead.innerHTML = `<tr><th scope="col" class="num">#</th><th scope="col">Area</th>${showBorough ? '<th scope="col">Borough</th>' : ''}<th scope="col" class="num">Value</th></tr>`;
    const rows = data.areas.map((a, k) => {
      const colour = a.value === null ? '' : classes.colors[classOf(a.value, classes.breaks)];
      return `<tr><td class="num">${k + 1}</td><td><button type="button" class="link" data-layer="${escapeHtml(layer)}" data-code="${escapeHtml(a.code)}">${escapeHtml(a.name)}</button></td>` +
        `${showBorough ? `<td>${escapeHtml(a.borough_name || a.borough)}</td>` : ''}<td class="num"><span class="sw" style="display:inline-block;width:.8em;height:.8em;margin-right:.3em;background:${colour || 'transparent'}"></span>${escapeHtml(fmt(a.value, ind.unit))}</td></tr>`;
    });
    this.table.tBodies[0].innerHTML = rows.join('');
  }

  /** The change view's rows: /api/change `ch` on `layer`, worst change first; `ind` the later period. */
  showChange(layer, ch, ind) {
    this.pending = () => this.showChange(layer, ch, ind);
    if (!this.open) return;
    const key = `change|${layer}|${ch.from}|${ch.to}`;
    if (key === this.key) return;
    this.key = key;
    const sign = ch.better === 'higher' ? 1 : -1; // worst first: the biggest rise when lower is better
    const rows = ch.areas.slice().sort((a, b) => {
      if (a.change === null || b.change === null) return (a.change === null) - (b.change === null);
      return sign * (a.change - b.change);
    });
    const missing = rows.filter(a => a.change === null).length;
    const order = ch.better === 'higher' ? 'biggest fall (worst) first' : ch.better === 'lower' ? 'biggest rise (worst) first' : 'biggest rise first';
    this.caption.textContent = `${rows.length.toLocaleString('en-GB')} ${GEO_LABEL[layer] || layer}, ${order}, by the change in ${familyTitle(ind.title)} from ${ch.from_period} to ${ch.to_period}${ch.unit ? ` (${ch.unit})` : ''}. ${missing ? `${missing} without both values are listed last.` : ''}`;
    this.table.tHead.innerHTML = `<tr><th scope="col" class="num">#</th><th scope="col">Area</th><th scope="col" class="num">${escapeHtml(ch.from_period)}</th><th scope="col" class="num">${escapeHtml(ch.to_period)}</th><th scope="col" class="num">Change</th></tr>`;
    const c = ch.classes;
    this.table.tBodies[0].innerHTML = rows.map((a, k) => {
      const colour = a.change === null ? 'transparent' : c.colours[classOf(a.change, c.breaks)];
      return `<tr><td class="num">${k + 1}</td><td><button type="button" class="link" data-layer="${escapeHtml(layer)}" data-code="${escapeHtml(a.code)}">${escapeHtml(a.name)}</button></td>` +
        `<td class="num">${escapeHtml(fmt(a.from, ch.unit))}</td><td class="num">${escapeHtml(fmt(a.to, ch.unit))}</td>` +
        `<td class="num"><span class="sw" style="display:inline-block;width:.8em;height:.8em;margin-right:.3em;background:${colour}"></span>${escapeHtml(signed(a.change, ch.unit))}</td></tr>`;
    }).join('');
  }
}
