import { COLORS, esc, formatTick, niceCeil } from './svg-chart.ts';

/** Lines over a shared x axis (minutes into a soak, say) as a standalone SVG string. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly { readonly name: string; readonly points: readonly { readonly x: number; readonly y: number }[] }[];
  /** A dashed vertical line, e.g. where warm-up ends. */
  readonly marker?: { readonly x: number; readonly label: string };
}

export function renderLineChart(chart: LineChart): string {
  const left = 70;
  const top = 40;
  const plotW = 640;
  const plotH = 260;
  const width = left + plotW + 20;
  const height = top + plotH + 60;
  const points = chart.series.flatMap((s) => s.points);
  const maxX = niceCeil(Math.max(1e-6, ...points.map((p) => p.x)));
  const maxY = niceCeil(Math.max(1e-6, ...points.map((p) => p.y)));
  const x = (v: number) => left + (v / maxX) * plotW;
  const y = (v: number) => top + plotH - (v / maxY) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(chart.title)}</text>`,
    `<text x="12" y="${top + plotH / 2}" transform="rotate(-90 12 ${top + plotH / 2})" text-anchor="middle">${esc(chart.yLabel)}</text>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 32}" text-anchor="middle">${esc(chart.xLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const ty = (maxY * i) / 4;
    const tx = (maxX * i) / 4;
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(ty)}" y2="${y(ty)}" stroke="#e2e8f0"/>`);
    parts.push(`<text x="${left - 6}" y="${y(ty) + 4}" text-anchor="end">${formatTick(ty)}</text>`);
    parts.push(`<text x="${x(tx)}" y="${top + plotH + 14}" text-anchor="middle">${formatTick(tx)}</text>`);
  }
  if (chart.marker !== undefined) {
    const mx = x(chart.marker.x);
    parts.push(`<line x1="${mx}" x2="${mx}" y1="${top}" y2="${top + plotH}" stroke="#718096" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${mx + 4}" y="${top + 10}" fill="#4a5568">${esc(chart.marker.label)}</text>`);
  }
  chart.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const path = s.points.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="1.5"><title>${esc(s.name)}</title></polyline>`);
    const lx = left + i * 150;
    parts.push(`<rect x="${lx}" y="${height - 16}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${lx + 14}" y="${height - 7}">${esc(s.name)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#4a5568"/>`);
  parts.push('</svg>');
  return parts.join('\n');
}
