/** PromQL words that are not metric names: functions, aggregations, keywords. */
const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads. Label matchers, ranges, grouping lists and
 * strings, numbers and durations are removed first; what is left that is a name and not called (`rate(`) is a metric.
 */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b\d[0-9A-Za-z.]*/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const after = bare.slice((match.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(') || NOT_METRICS.has(word.toLowerCase())) continue;
    // Grafana variables ($event, $__rate_interval) outside matchers and ranges.
    if (bare[(match.index ?? 0) - 1] === '$') continue;
    names.add(word);
  }
  return [...names];
}

/** Every series name in a Prometheus text exposition (samples and the names TYPE declares). */
export function exposedNames(text: string): { declared: Set<string>; sampled: Set<string> } {
  const declared = new Set<string>();
  const sampled = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type !== null) {
      const [, name = '', kind] = type;
      declared.add(name);
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) declared.add(name + suffix);
      if (kind === 'summary') for (const suffix of ['_sum', '_count']) declared.add(name + suffix);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample?.[1] !== undefined) sampled.add(sample[1]);
  }
  return { declared, sampled };
}
