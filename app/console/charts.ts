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
