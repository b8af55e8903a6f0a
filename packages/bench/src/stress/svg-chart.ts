/** A grouped bar chart as a standalone SVG string: groups along x, one bar a series in each. */
export interface BarChart {
  readonly title: string;
  readonly yLabel: string;
  readonly groups: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly (number | null)[] }[];
  /** Log scale suits figures spanning decades (latencies, queries per seat). */
  readonly log?: boolean;
}

export const COLORS = ['#2b6cb0', '#dd6b20', '#38a169', '#c53030', '#805ad5', '#718096'];
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderBarChart(chart: BarChart): string {
  const barW = 14;
  const gap = 18;
  const left = 70;
  const top = 40;
  const plotH = 260;
  const groupW = chart.series.length * barW + gap;
  const width = Math.max(420, left + chart.groups.length * groupW + 20);
  const height = top + plotH + 110;
  const values = chart.series.flatMap((s) => s.values).filter((v): v is number => v !== null && v > 0);
  const maxV = values.length === 0 ? 1 : Math.max(...values);
  const minV = chart.log ? Math.min(...values, maxV) : 0;
  const lo = chart.log ? Math.floor(Math.log10(Math.max(minV, 1e-3))) : 0;
  const hi = chart.log ? Math.max(lo + 1, Math.ceil(Math.log10(maxV))) : niceCeil(maxV);
  const y = (v: number) => {
    const f = chart.log ? (Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo) : v / hi;
    return top + plotH - f * plotH;
  };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(chart.title)}</text>`,
    `<text x="12" y="${top + plotH / 2}" transform="rotate(-90 12 ${top + plotH / 2})" text-anchor="middle">${esc(chart.yLabel)}</text>`,
  ];
  const ticks = chart.log ? range(lo, hi).map((e) => 10 ** e) : range(0, 4).map((i) => (hi * i) / 4);
  for (const t of ticks) {
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(t)}" y2="${y(t)}" stroke="#e2e8f0"/>`);
    parts.push(`<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${formatTick(t)}</text>`);
  }
  chart.groups.forEach((group, g) => {
    const x0 = left + g * groupW + gap / 2;
    chart.series.forEach((s, i) => {
      const v = s.values[g];
      if (v === null || v === undefined || v <= 0) return;
      const yTop = y(v);
      parts.push(
        `<rect x="${x0 + i * barW}" y="${yTop}" width="${barW - 2}" height="${top + plotH - yTop}" fill="${COLORS[i % COLORS.length]}"><title>${esc(`${group} ${s.name}: ${v}`)}</title></rect>`,
      );
    });
    const cx = x0 + (chart.series.length * barW) / 2;
    parts.push(
      `<text x="${cx}" y="${top + plotH + 12}" text-anchor="end" transform="rotate(-40 ${cx} ${top + plotH + 12})">${esc(group)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${top + plotH}" y2="${top + plotH}" stroke="#4a5568"/>`);
  chart.series.forEach((s, i) => {
    const lx = left + i * 110;
    parts.push(`<rect x="${lx}" y="${height - 16}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`);
    parts.push(`<text x="${lx + 14}" y="${height - 7}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function formatTick(v: number): string {
  if (v >= 1_000) return `${v / 1_000}k`;
  return Number.isInteger(v) ? String(v) : v.toPrecision(2);
}
