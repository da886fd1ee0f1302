/** One Prometheus metric family. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** `suffix` names a histogram's series: `_bucket` (with an `le` label), `_sum`, `_count`. */
  samples: ReadonlyArray<{ labels?: Readonly<Record<string, string>>; value: number; suffix?: string }>;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Renders families in the Prometheus text exposition format (version 0.0.4). */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  let out = '';
  for (const f of families) {
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      const labels = s.labels ? Object.entries(s.labels) : [];
      const l = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
      out += `${f.name}${s.suffix ?? ''}${l} ${Number.isFinite(s.value) ? s.value : 0}\n`;
    }
  }
  return out;
}

/** A counter keyed by a label set, rendered as samples. */
export class LabelledCounter {
  private readonly values = new Map<string, { labels: Record<string, string>; value: number }>();

  inc(labels: Record<string, string>, by = 1): void {
    const key = JSON.stringify(labels);
    const v = this.values.get(key);
    if (v) v.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Record<string, string>): number {
    return this.values.get(JSON.stringify(labels))?.value ?? 0;
  }

  samples(): Array<{ labels: Record<string, string>; value: number }> {
    return [...this.values.values()];
  }
}
