import type { TopLevelSpec } from 'vega-lite';
import type { ChartData } from '../../diagnosis/chart-series.js';
import { formatValue } from '../../diagnosis/format.js';
import { axisUnit } from './units.js';

/**
 * The vega-lite spec of one chart, sized and styled for a phone screen: few, large labels; the named
 * member(s) in strong colours and the rest in grey; the warning level as a dashed line; the onset as a
 * vertical line; times on the axis in UTC whatever the machine's time zone.
 */
export const CHART_FONT_FAMILY = 'DejaVu Sans';

export interface ChartSize {
  width: number;
  height: number;
}

export const CHART_SIZE: ChartSize = { width: 800, height: 420 };
/** Handoff trends: one small chart per cluster. */
export const SMALL_CHART_SIZE: ChartSize = { width: 640, height: 260 };

const STRONG = ['#d62728', '#1f77b4', '#9467bd'];
const MUTED = '#b5b5b5';

export interface ChartRow {
  member: string;
  /** Unix milliseconds. */
  t: number;
  /** In the axis unit (e.g. milliseconds). */
  v: number;
  named: boolean;
}

/**
 * Latencies span decades (2 ms healthy, 2 s faulted): past 20× the warning level the axis is
 * logarithmic, so the healthy members and the warning line stay visible next to the spike.
 */
export function logScaled(data: ChartData): boolean {
  const max = Math.max(0, ...data.series.flatMap((s) => s.points.map((p) => p.v)));
  return data.rule !== undefined && data.rule.value > 0 && max > 20 * data.rule.value;
}

export function chartRows(data: ChartData): { rows: ChartRow[]; unit: ReturnType<typeof axisUnit> } {
  const max = Math.max(0, ...data.series.flatMap((s) => s.points.map((p) => Math.abs(p.v))), data.rule?.value ?? 0);
  const unit = axisUnit(data.unit, max, logScaled(data));
  const rows = data.series.flatMap((s) =>
    s.points.map((p) => ({ member: s.member, t: p.t * 1000, v: p.v * unit.factor, named: data.highlighted.includes(s.member) })),
  );
  return { rows, unit };
}

const hhmm = (iso: string): string => iso.slice(11, 16);

export function chartSpec(data: ChartData, size: ChartSize = CHART_SIZE): TopLevelSpec {
  const { rows, unit } = chartRows(data);
  const members = data.series.map((s) => s.member);
  // Named members first in the legend and drawn last (on top of the muted ones).
  const order = [...members.filter((m) => data.highlighted.includes(m)), ...members.filter((m) => !data.highlighted.includes(m))];
  let strong = 0;
  const colours = order.map((m) => (data.highlighted.includes(m) ? STRONG[strong++ % STRONG.length]! : MUTED));
  const named = data.highlighted.filter((m) => members.includes(m));
  const subtitle = [
    data.role === 'trend' ? undefined : named.length > 0 ? `${named.join(', ')} highlighted` : 'per member',
    data.onset ? `onset ${hhmm(data.onset)} UTC` : undefined,
    `${hhmm(data.start)}–${hhmm(data.end)} UTC`,
  ].filter((x): x is string => x !== undefined);
  const x = { field: 't', type: 'temporal' as const, scale: { type: 'utc' as const, domain: [Date.parse(data.start), Date.parse(data.end)] }, axis: { title: null, format: '%H:%M', tickCount: 6 } };

  const peak = Math.max(0, ...rows.map((r) => r.v));
  // symlog: logarithmic, yet 0 has a place; ticks at whole decades read at a glance.
  const decades = [0, ...Array.from({ length: 7 }, (_, i) => 10 ** i)].filter((v) => v <= peak * 1.5);
  const log = logScaled(data);
  const yScale = log ? { type: 'symlog' as const, constant: 1 } : { type: 'linear' as const };
  const yAxis = log ? { title: unit.label, values: decades } : { title: unit.label, tickCount: 6 };
  const line = (named: boolean) => ({
    data: { values: rows.filter((r) => r.named === named) },
    mark: { type: 'line' as const, strokeWidth: named ? 4 : 2 },
    encoding: {
      x,
      y: { field: 'v', type: 'quantitative' as const, scale: yScale, axis: yAxis },
      color: { field: 'member', type: 'nominal' as const, scale: { domain: order, range: colours }, legend: { title: null, orient: 'top' as const } },
    },
  });
  // Muted members first, the named ones drawn over them.
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [line(false), line(true)];
  if (data.rule) {
    const y = data.rule.value * unit.factor;
    const label = `${data.rule.label} ${formatValue(data.rule.value, data.unit)}`;
    layers.push(
      { data: { values: [{ y }] }, mark: { type: 'rule', color: '#ff7f0e', strokeDash: [8, 5], strokeWidth: 2 }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values: [{ y, label }] },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, color: '#c85a00', fontSize: 15 },
        encoding: { y: { field: 'y', type: 'quantitative' }, x: { datum: Date.parse(data.start), type: 'temporal' }, text: { field: 'label' } },
      },
    );
  }
  if (data.onset) {
    const t = Date.parse(data.onset);
    layers.push(
      { data: { values: [{ t }] }, mark: { type: 'rule', color: '#333333', strokeDash: [3, 3], strokeWidth: 2 }, encoding: { x: { field: 't', type: 'temporal' } } },
      {
        data: { values: [{ t, label: `onset ${hhmm(data.onset)}` }] },
        mark: { type: 'text', align: 'right', baseline: 'middle', dx: -6, y: Math.round(size.height / 4), color: '#333333', fontSize: 15 },
        encoding: { x: { field: 't', type: 'temporal' }, text: { field: 'label' } },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size.width,
    height: size.height,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    title: { text: data.title, subtitle: subtitle.join(' · '), anchor: 'start', fontSize: 20, subtitleFontSize: 15, subtitleColor: '#444444' },
    config: {
      font: CHART_FONT_FAMILY,
      axis: { labelFontSize: 14, titleFontSize: 14, gridColor: '#e6e6e6' },
      legend: { labelFontSize: 15, labelLimit: 400, symbolStrokeWidth: 4, symbolType: 'stroke' },
      view: { stroke: null },
    },
    layer: layers,
  };
}
