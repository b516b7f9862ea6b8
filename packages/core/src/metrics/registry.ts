import { OpsAgentError } from '../errors.js';

/** Label values of one series, by label name. */
export type Labels = Readonly<Record<string, string>>;

/** The kinds of metric the registry keeps (Prometheus' counter, gauge and histogram). */
export type MetricType = 'counter' | 'gauge' | 'histogram';

/** A value that only goes up (restarts reset it). */
export interface Counter {
  /** Adds `value` (default 1, never negative) to the series with `labels`. */
  inc(labels?: Labels, value?: number): void;
}

/** A value that goes up and down. */
export interface Gauge {
  /** Sets the series with `labels` to `value`. */
  set(labels: Labels, value: number): void;
  /** Drops every series (a collector does this before setting the current ones). */
  reset(): void;
}

/** Counts observations into buckets (`le`, cumulative), with their sum and count. */
export interface Histogram {
  /** Records one observation (e.g. seconds) in the series with `labels`. */
  observe(labels: Labels, value: number): void;
}

/** One series of a family, as rendered. */
export interface SeriesSnapshot {
  /** Label values. */
  labels: Labels;
  /** Counter or gauge value; for a histogram, the sum. */
  value: number;
  /** Histograms only: observations. */
  count?: number;
  /** Histograms only: cumulative counts per upper bound (`Infinity` last). */
  buckets?: Array<{ le: number; count: number }>;
}

/** One metric family with all its series. */
export interface MetricSnapshot {
  /** Metric name, e.g. `opsagent_checks_total`. */
  name: string;
  /** One line of help. */
  help: string;
  /** Kind. */
  type: MetricType;
  /** Series, in creation order. */
  series: SeriesSnapshot[];
}

/** Refreshes gauges from live state (e.g. open incidents from the store) just before a scrape. */
export type Collector = () => void | Promise<void>;

/** Default histogram buckets, in seconds: 5 ms to 60 s. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  labels: Labels;
  value: number;
  count: number;
  bucketCounts: number[];
}

interface Family {
  name: string;
  help: string;
  type: MetricType;
  labelNames: readonly string[];
  buckets: readonly number[];
  series: Map<string, Series>;
}

/**
 * A small in-process metrics registry: counters, gauges and histograms with labels, and collectors
 * that refresh gauges at scrape time. `render()` writes the Prometheus text format (0.0.4).
 * Registering a name again with the same type and labels returns the same metric.
 */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private readonly collectors: Collector[] = [];

  /** A counter; by convention its name ends in `_total`. */
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const family = this.family(name, help, 'counter', labelNames, []);
    return {
      inc: (labels = {}, value = 1) => {
        if (!Number.isFinite(value) || value < 0) {
          throw new OpsAgentError(
            'METRIC_VALUE_INVALID',
            `counter ${name} can only go up by a finite amount, not ${value}`,
          );
        }
        this.series(family, labels).value += value;
      },
    };
  }

  /** A gauge. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    const family = this.family(name, help, 'gauge', labelNames, []);
    return {
      set: (labels, value) => {
        this.series(family, labels).value = value;
      },
      reset: () => family.series.clear(),
    };
  }

  /** A histogram with the given upper bounds (ascending; `+Inf` is implied). */
  histogram(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets: readonly number[] = DEFAULT_BUCKETS,
  ): Histogram {
    const sorted = [...new Set(buckets)].filter(Number.isFinite).sort((a, b) => a - b);
    const family = this.family(name, help, 'histogram', labelNames, sorted);
    return {
      observe: (labels, value) => {
        if (Number.isNaN(value)) return;
        const series = this.series(family, labels);
        series.value += value;
        series.count += 1;
        family.buckets.forEach((le, index) => {
          if (value <= le) series.bucketCounts[index]! += 1;
        });
      },
    };
  }

  /** Adds a collector, run (in order) before each snapshot. A failing collector is skipped. */
  collect(collector: Collector): void {
    this.collectors.push(collector);
  }

  /** Runs the collectors, then returns every family and series. */
  async snapshot(): Promise<MetricSnapshot[]> {
    for (const collector of this.collectors) {
      try {
        await collector();
      } catch {
        // A collector that cannot read its state leaves its gauges as they were.
      }
    }
    return [...this.families.values()].map((family) => ({
      name: family.name,
      help: family.help,
      type: family.type,
      series: [...family.series.values()].map((series) => {
        if (family.type !== 'histogram') return { labels: series.labels, value: series.value };
        return {
          labels: series.labels,
          value: series.value,
          count: series.count,
          buckets: [
            ...family.buckets.map((le, index) => ({ le, count: series.bucketCounts[index]! })),
            { le: Number.POSITIVE_INFINITY, count: series.count },
          ],
        };
      }),
    }));
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    return renderPrometheus(await this.snapshot());
  }

  private family(
    name: string,
    help: string,
    type: MetricType,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): Family {
    if (!METRIC_NAME.test(name)) {
      throw new OpsAgentError('METRIC_NAME_INVALID', `"${name}" is not a valid metric name`, {
        details: { name },
      });
    }
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') {
        throw new OpsAgentError(
          'METRIC_NAME_INVALID',
          `"${label}" is not a valid label name for ${name}`,
          { details: { name, label } },
        );
      }
    }
    const existing = this.families.get(name);
    if (existing) {
      if (existing.type !== type || existing.labelNames.join() !== labelNames.join()) {
        throw new OpsAgentError(
          'METRIC_DUPLICATE',
          `metric ${name} is already registered as a ${existing.type} with labels [${existing.labelNames.join(', ')}]`,
          { details: { name } },
        );
      }
      return existing;
    }
    const family: Family = { name, help, type, labelNames, buckets, series: new Map() };
    this.families.set(name, family);
    return family;
  }

  private series(family: Family, labels: Labels): Series {
    const values = family.labelNames.map((label) => labels[label] ?? '');
    const key = values.join('\u0000');
    let series = family.series.get(key);
    if (!series) {
      series = {
        labels: Object.freeze(Object.fromEntries(family.labelNames.map((l, i) => [l, values[i]!]))),
        value: 0,
        count: 0,
        bucketCounts: family.buckets.map(() => 0),
      };
      family.series.set(key, series);
    }
    return series;
  }
}

/** The HTTP Content-Type of the Prometheus text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

/**
 * Writes metric families in the Prometheus text format: `# HELP` and `# TYPE` per family, one
 * line per sample, histograms as cumulative `_bucket{le=...}` lines plus `_sum` and `_count`,
 * label values escaped, `\n` line endings with a final one.
 */
export function renderPrometheus(families: readonly MetricSnapshot[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const series of family.series) {
      if (family.type !== 'histogram') {
        lines.push(`${family.name}${formatLabels(series.labels)} ${formatValue(series.value)}`);
        continue;
      }
      for (const bucket of series.buckets ?? []) {
        lines.push(
          `${family.name}_bucket${formatLabels(series.labels, ['le', formatValue(bucket.le)])} ${bucket.count}`,
        );
      }
      lines.push(`${family.name}_sum${formatLabels(series.labels)} ${formatValue(series.value)}`);
      lines.push(`${family.name}_count${formatLabels(series.labels)} ${series.count ?? 0}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
