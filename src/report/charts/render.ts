import { existsSync } from 'node:fs';
import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT_FAMILY } from './spec.js';

/**
 * vega-lite → vega → SVG (no browser, no canvas) → PNG with resvg. resvg draws no text without a font
 * file, so one must be found; the container image carries Debian's fonts-dejavu-core for this.
 * The libraries are loaded on first use: commands that draw no chart never pay for them.
 */
export const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/local/share/fonts/DejaVuSans.ttf',
];

export class ChartRenderError extends Error {}

/** The font file the charts are drawn with: $ETCD_TRIAGE_CHART_FONT, else the first Debian/Fedora path found. */
export function chartFont(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env['ETCD_TRIAGE_CHART_FONT'];
  if (configured !== undefined && configured !== '') {
    if (!existsSync(configured)) throw new ChartRenderError(`chart font ${configured} (ETCD_TRIAGE_CHART_FONT) does not exist`);
    return configured;
  }
  const found = FONT_CANDIDATES.find((p) => existsSync(p));
  if (found === undefined) throw new ChartRenderError('no font to draw chart text with: install fonts-dejavu-core or set ETCD_TRIAGE_CHART_FONT');
  return found;
}

export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The PNG of a spec, drawn at `scale` times its size (2: sharp on a phone's screen). */
export async function renderPng(spec: TopLevelSpec, opts: { scale?: number; font?: string } = {}): Promise<Buffer> {
  const font = opts.font ?? chartFont();
  const svg = await specToSvg(spec);
  return svgToPng(svg, font, opts.scale ?? 2);
}

export async function svgToPng(svg: string, font: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  const png = new Resvg(svg, {
    font: { fontFiles: [font], loadSystemFonts: false, defaultFontFamily: CHART_FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  })
    .render()
    .asPng();
  return Buffer.from(png);
}
