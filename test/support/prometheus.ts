import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];
type Sample = Family['metrics'][number];

/**
 * A scrape of `/prometheus/`, parsed by a Prometheus text-format parser, with lookups by name and
 * labels. parse-prometheus-text-format 1.1.1 folds the series of a histogram that has labels into one
 * (losing the labels, the count and the sum), so histograms are also read as what the text format
 * makes of them: plain `_bucket`, `_sum` and `_count` samples.
 */
export class Scrape {
  private readonly types: ReadonlyMap<string, Family['type']>;
  private readonly samplesByName = new Map<string, Sample[]>();

  constructor(text: string) {
    this.types = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family.type]));
    for (const family of parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram\n/gm, ''))) {
      this.samplesByName.set(family.name, [...(this.samplesByName.get(family.name) ?? []), ...family.metrics]);
    }
  }

  type(name: string): Family['type'] {
    const type = this.types.get(name);
    if (!type) throw new Error(`the scrape has no metric ${name}`);
    return type;
  }

  /** The samples named `name` whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): Sample[] {
    const samples = this.samplesByName.get(name);
    if (!samples) throw new Error(`the scrape has no samples named ${name}`);
    return samples.filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value));
  }

  /** A counter's or gauge's value; the sum when several samples match. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((total, sample) => total + Number(sample.value), 0);
  }

  /** A histogram's count and sum, added up over the series that match. */
  histogram(name: string, labels: Record<string, string> = {}): { count: number; sum: number } {
    if (this.type(name) !== 'HISTOGRAM') throw new Error(`${name} is not a histogram`);
    return { count: this.value(`${name}_count`, labels), sum: this.value(`${name}_sum`, labels) };
  }
}
