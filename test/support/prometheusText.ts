/** Prometheus text read by a real parser (parse-prometheus-text-format, prom2json's shapes), for tests. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parse = require('parse-prometheus-text-format') as (text: string) => MetricFamily[];

export interface MetricFamily {
  name: string;
  type: string;
  metrics: Array<{
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }>;
}

/**
 * Every family. The parser flattens a histogram's labelled series into one (it handles label-less histograms
 * only), so histograms are read as their plain series: `<name>_bucket`, `<name>_sum`, `<name>_count`, each sample
 * with its labels.
 */
export function parsePrometheus(text: string): MetricFamily[] {
  // Read so, one label set's series follow another's: a family's samples come in several runs, joined here by name.
  const families = new Map<string, MetricFamily>();
  for (const family of parse(text.replace(/^# TYPE \S+ histogram$/gm, ''))) {
    const known = families.get(family.name);
    if (known) known.metrics.push(...family.metrics);
    else families.set(family.name, family);
  }
  return [...families.values()];
}

/** The sample of a family whose labels include `labels`; undefined when there is none. */
export function sample(families: MetricFamily[], name: string, labels: Record<string, string> = {}) {
  const family = families.find((candidate) => candidate.name === name);
  return family?.metrics.find((metric) =>
    Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value),
  );
}
