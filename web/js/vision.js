// Words for the Vision's measures, shared by the profile, the change view's legend and the
// scorecard: comparisons with England in Fingertips' vocabulary (better / similar / worse, or
// higher / lower for measures that are neither good nor bad), trends since the first period
// (arrow + words, never colour alone), and signed changes ("+2,861", "−1,200").

import { fmt } from './catalog.js';
import { escapeHtml } from './html.js';

/** Fingertips-style comparison with England: the words and a CSS class for the badge. */
export const COMPARISON = {
  better: { text: 'Better than England', cls: 'cmp-better' },
  similar: { text: 'Similar to England', cls: 'cmp-similar' },
  worse: { text: 'Worse than England', cls: 'cmp-worse' },
  higher: { text: 'Higher than England', cls: 'cmp-higher' },
  lower: { text: 'Lower than England', cls: 'cmp-lower' },
  'not compared': { text: 'Not compared with England', cls: 'cmp-none' },
};

/** A badge for a comparison value, or '' when the server gives none (null). */
export function comparisonBadge(comparison) {
  const c = comparison && COMPARISON[comparison];
  if (!c) return '';
  return `<span class="cmp ${c.cls}" data-comparison="${escapeHtml(comparison)}">${escapeHtml(c.text)}</span>`;
}

/** A change with its sign: "+2,861", "−1,200" (a real minus sign), "0". */
export function signed(value, unit) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'no data';
  const s = fmt(Math.abs(value), unit);
  if (value > 0) return `+${s}`;
  if (value < 0) return `−${s}`;
  return s;
}

/**
 * The words for "went up" and "went down" for a unit: counts (the server aggregates them as
 * sums) go "more offences" / "fewer offences", anything else "higher" / "lower".
 */
export function upDown(unit, isCount) {
  if (isCount && unit) return { up: `more ${unit}`, down: `fewer ${unit}` };
  return { up: 'higher', down: 'lower' };
}

const TREND_CLASS = { better: 'tr-better', worse: 'tr-worse', 'no change': 'tr-same', up: 'tr-neutral', down: 'tr-neutral' };

/**
 * A scorecard trend {from_period, from_value, change, direction} in words with an arrow:
 * {arrow, text, cls}; null trend -> null. direction is "better", "worse", "no change", or
 * "up"/"down" for neutral measures.
 */
export function trendWords(trend, unit) {
  if (!trend) return null;
  const c = trend.change;
  const arrow = c > 0 ? '↑' : c < 0 ? '↓' : '→';
  const moved = c > 0 ? `up ${fmt(Math.abs(c), unit)}` : c < 0 ? `down ${fmt(Math.abs(c), unit)}` : 'no change';
  const since = `since ${trend.from_period}`;
  let text;
  if (trend.direction === 'better' || trend.direction === 'worse') text = `${trend.direction === 'better' ? 'Better' : 'Worse'}: ${moved} ${since}`;
  else if (trend.direction === 'no change' || c === 0) text = `No change ${since}`;
  else text = `${moved[0].toUpperCase()}${moved.slice(1)} ${since}`;
  return { arrow, text, cls: TREND_CLASS[trend.direction] || 'tr-neutral' };
}

/** HTML of a trend: arrow (hidden from screen readers, the words say it) and words. */
export function trendHtml(trend, unit) {
  const t = trendWords(trend, unit);
  if (!t) return '';
  return `<span class="trend-word ${t.cls}" data-direction="${escapeHtml(trend.direction)}"><span class="arrow" aria-hidden="true">${t.arrow}</span> ${escapeHtml(t.text)}</span>`;
}
