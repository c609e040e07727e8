/**
 * The Prometheus text exposition (0.0.4) rewritten as OpenMetrics 1.0, for
 * `serve()`'s content negotiation. prom-client can write OpenMetrics only by
 * switching a whole registry, and its OpenMetrics `metrics()` renames the
 * counters it holds (drops `_total` from `metric.name` for good), which would
 * corrupt an application's shared registry; rewriting the text it wrote
 * leaves the registry alone.
 *
 * The differences that matter: a counter's family name has no `_total` while
 * its sample does; `untyped` is `unknown`; `"` in HELP is escaped; the text
 * ends with `# EOF`.
 */

const OPENMETRICS_TYPE: Readonly<Record<string, string>> = { untyped: 'unknown' };

/** `text` (prom-client's 0.0.4 exposition) as OpenMetrics 1.0.0 text. */
export function toOpenMetrics(text: string): string {
  const out: string[] = [];
  let help: string | undefined;
  let helpName = '';
  /** When the current family is a counter whose samples lack `_total`: its sample name, to add `_total` to. */
  let renameSample: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# HELP ')) {
      const space = line.indexOf(' ', 7);
      helpName = space < 0 ? line.slice(7) : line.slice(7, space);
      help = space < 0 ? '' : line.slice(space + 1);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name = '', type = 'untyped'] = line.split(' ');
      let family = name;
      renameSample = undefined;
      if (type === 'counter') {
        if (name.endsWith('_total')) family = name.slice(0, -'_total'.length);
        else renameSample = name;
      }
      if (help !== undefined && helpName === name) out.push(`# HELP ${family} ${help.replaceAll('"', '\\"')}`);
      help = undefined;
      out.push(`# TYPE ${family} ${OPENMETRICS_TYPE[type] ?? type}`);
      continue;
    }
    if (line.startsWith('#')) continue;
    if (renameSample !== undefined && line.startsWith(renameSample)) {
      const next = line.charAt(renameSample.length);
      if (next === '{' || next === ' ') {
        out.push(`${renameSample}_total${line.slice(renameSample.length)}`);
        continue;
      }
    }
    out.push(line);
  }
  out.push('# EOF', '');
  return out.join('\n');
}
