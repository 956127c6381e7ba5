// Server-side SVG charts: no JavaScript, no library. Each chart is a figure whose SVG carries a
// <title> and <desc> (role="img"), and the page puts the same figures in a table next to it, so the
// numbers are there for screen readers and for copying.
import { html, type Html } from './html.js';

export interface Bar {
  label: string;
  value: number;
  /** The value as people read it ("$1,240.00"). */
  text: string;
}

const WIDTH = 640;
const ROW = 28;
const LABEL = 120;
const VALUE = 140;

/** A horizontal bar chart; bars scale to the largest value (all zero: no bars). */
export function barChart(id: string, title: string, bars: readonly Bar[]): Html {
  const max = Math.max(0, ...bars.map((b) => b.value));
  const span = WIDTH - LABEL - VALUE;
  const height = bars.length * ROW + 8;
  const desc = bars.map((b) => `${b.label}: ${b.text}`).join('; ');
  return html`<figure>
<svg class="chart" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-t">${title}</title>
<desc id="${id}-d">${desc}</desc>
${bars.map((b, i) => {
  const y = i * ROW + 4;
  const w = max > 0 ? Math.max(b.value > 0 ? 2 : 0, Math.round((b.value / max) * span)) : 0;
  return html`<text x="0" y="${y + 18}" font-size="14" fill="#1b1f24">${b.label}</text><rect x="${LABEL}" y="${y + 4}" width="${w}" height="${ROW - 10}" fill="#0b5cad"></rect><text x="${LABEL + w + 6}" y="${y + 18}" font-size="14" fill="#1b1f24">${b.text}</text>`;
})}
</svg>
<figcaption>${title}</figcaption>
</figure>`;
}

export interface Point {
  /** The x label (a date). */
  label: string;
  /** null: no value that day (drawn as a gap). */
  value: number | null;
  text: string;
}

const LINE_H = 180;
const PAD = 36;

/** A line over time (points in order, equally spaced); the lowest and highest values are labelled on the axis. */
export function lineChart(id: string, title: string, points: readonly Point[]): Html {
  const values = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  const max = Math.max(0, ...values);
  const span = WIDTH - 2 * PAD;
  const x = (i: number): number => PAD + (points.length <= 1 ? span / 2 : Math.round((i / (points.length - 1)) * span));
  const y = (v: number): number => LINE_H - PAD + 8 - (max > 0 ? Math.round((v / max) * (LINE_H - PAD - 8)) : 0);
  const segments: string[] = [];
  let current: string[] = [];
  points.forEach((p, i) => {
    if (p.value === null) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
    } else current.push(`${x(i)},${y(p.value)}`);
  });
  if (current.length > 0) segments.push(current.join(' '));
  const shown = points.filter((p) => p.value !== null);
  const first = shown[0];
  const last = shown[shown.length - 1];
  const desc = first && last ? `${shown.length} day${shown.length === 1 ? '' : 's'} from ${first.label} (${first.text}) to ${last.label} (${last.text})` : 'No values yet';
  const maxText = points.find((p) => p.value === max)?.text ?? String(max);
  return html`<figure>
<svg class="chart" role="img" aria-labelledby="${id}-t ${id}-d" viewBox="0 0 ${WIDTH} ${LINE_H}" width="${WIDTH}" height="${LINE_H}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-t">${title}</title>
<desc id="${id}-d">${desc}</desc>
<line x1="${PAD}" y1="${LINE_H - PAD + 8}" x2="${WIDTH - PAD}" y2="${LINE_H - PAD + 8}" stroke="#57606a"></line>
<text x="${PAD}" y="${LINE_H - 8}" font-size="12" fill="#1b1f24">${points[0]?.label ?? ''}</text>
<text x="${WIDTH - PAD}" y="${LINE_H - 8}" font-size="12" fill="#1b1f24" text-anchor="end">${points[points.length - 1]?.label ?? ''}</text>
<text x="${PAD}" y="12" font-size="12" fill="#1b1f24">max ${maxText}</text>
${segments.map((s) => (s.includes(' ') ? html`<polyline points="${s}" fill="none" stroke="#0b5cad" stroke-width="2"></polyline>` : html`<circle cx="${s.split(',')[0] ?? '0'}" cy="${s.split(',')[1] ?? '0'}" r="4" fill="#0b5cad"></circle>`))}
</svg>
<figcaption>${title}</figcaption>
</figure>`;
}
