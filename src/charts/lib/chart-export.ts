// A chart as a file for slides: one standalone SVG with the view's title, the chart's title and legend, and every
// plot layer (SVG layers with their computed styles written inline, canvas layers as embedded images), on the
// page's background; and the same drawn at 2× into a PNG. Browser-only (reads layout and computed styles).
import { textWidth } from '../../core/format';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** The computed properties that decide how SVG content looks; copied inline so the file needs no stylesheet. */
const STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linecap',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-anchor',
  'dominant-baseline',
  'visibility',
  'display',
  'shape-rendering',
] as const;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A copy of `svg` whose every element carries its computed style inline. */
function inlineStyled(svg: SVGSVGElement): SVGSVGElement {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const cs = getComputedStyle(el);
    // Through the CSSOM: a style attribute written as markup is refused by the page's Content-Security-Policy.
    const copy = to[i] as SVGElement;
    for (const p of STYLE_PROPS) copy.style.setProperty(p, cs.getPropertyValue(p));
    delete copy.dataset.fill;
    to[i].removeAttribute('class');
  });
  return copy;
}

export interface ExportedSvg {
  svg: string;
  width: number;
  height: number;
}

/** The chart `figure` (a `.kru-chart`) as a standalone SVG, under the heading `title`. */
export function figureToSvg(figure: HTMLElement, title: string): ExportedSvg {
  const bodyStyle = getComputedStyle(document.body);
  const fg = bodyStyle.color;
  const bg = bodyStyle.backgroundColor;
  const font = bodyStyle.fontFamily;
  const plot = figure.querySelector<HTMLElement>('.kru-chart-plot');
  const plotRect = plot?.getBoundingClientRect() ?? new DOMRect(0, 0, 0, 0);
  const width = Math.ceil(Math.max(plotRect.width, 320)) + 16;
  const parts: string[] = [];
  let y = 22;
  parts.push(`<text x="8" y="${y}" font-size="16" font-weight="bold" fill="${fg}">${esc(title)}</text>`);
  const chartTitle = figure.querySelector('.kru-chart-title')?.textContent?.trim();
  if (chartTitle && chartTitle !== title) {
    y += 20;
    parts.push(
      `<text x="8" y="${y}" font-size="13" font-weight="bold" fill="${fg}">${esc(chartTitle)}</text>`,
    );
  }
  // The legend: each item's small key (an inline SVG) and its label, in rows that wrap at the width.
  let x = 8;
  y += 22;
  for (const li of figure.querySelectorAll<HTMLElement>('.kru-legend li')) {
    const label = li.textContent?.trim() ?? '';
    const key = li.querySelector('svg');
    const w = 26 + textWidth(label, 12) + 14;
    if (x + w > width - 8 && x > 8) {
      x = 8;
      y += 18;
    }
    if (key) parts.push(`<g transform="translate(${x},${y - 9})">${inlineStyled(key).innerHTML}</g>`);
    parts.push(`<text x="${x + 26}" y="${y}" font-size="12" fill="${fg}">${esc(label)}</text>`);
    x += w;
  }
  y += 10;
  // Plot layers in paint order, where they sit relative to the plot box.
  let bottom = y;
  for (const layer of plot ? Array.from(plot.children) : []) {
    const r = layer.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    const lx = 8 + r.left - plotRect.left;
    const ly = y + r.top - plotRect.top;
    if (layer instanceof SVGSVGElement) {
      const copy = inlineStyled(layer);
      copy.setAttribute('x', String(lx));
      copy.setAttribute('y', String(ly));
      copy.setAttribute('width', String(r.width));
      copy.setAttribute('height', String(r.height));
      parts.push(new XMLSerializer().serializeToString(copy));
    } else if (layer instanceof HTMLCanvasElement) {
      parts.push(
        `<image x="${lx}" y="${ly}" width="${r.width}" height="${r.height}" preserveAspectRatio="none" ` +
          `href="${layer.toDataURL('image/png')}"/>`,
      );
    }
    bottom = Math.max(bottom, ly + r.height);
  }
  const height = Math.ceil(bottom + 8);
  const svg =
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="${esc(font)}"><rect width="100%" height="100%" fill="${bg}"/>${parts.join('')}</svg>`;
  return { svg, width, height };
}

/** The SVG drawn at `scale`× into a PNG (for slides: 2× by default). */
export async function svgToPng(e: ExportedSvg, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([e.svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(e.width * scale);
    canvas.height = Math.round(e.height * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, e.width, e.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the PNG could not be encoded'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
