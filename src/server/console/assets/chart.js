/* global document */
/**
 * A small SVG line chart built with DOM calls (no HTML strings): one polyline per series,
 * scaled to the largest value shown.
 */
const NS = 'http://www.w3.org/2000/svg';

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 */
function svg(tag, attrs) {
  const el = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

/**
 * Draws the series into `box`.
 * @param {HTMLElement} box
 * @param {Array<{ label: string, values: number[], dashed?: boolean }>} series
 */
export function drawChart(box, series) {
  const width = 600;
  const height = 120;
  const pad = 8;
  const longest = Math.max(2, ...series.map((s) => s.values.length));
  const top = Math.max(1, ...series.flatMap((s) => s.values));
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': series.map((s) => `${s.label}: latest ${s.values.at(-1) ?? 0}`).join('; ') });
  root.append(svg('line', { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, stroke: '#d0d7de' }));
  for (const s of series) {
    const points = s.values.map((v, i) => `${pad + (i * (width - 2 * pad)) / (longest - 1)},${height - pad - (v / top) * (height - 2 * pad)}`);
    root.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: s.dashed ? '#b42318' : '#1f4e79', 'stroke-width': 2, ...(s.dashed ? { 'stroke-dasharray': '6 4' } : {}) }));
  }
  box.replaceChildren(root);
}
