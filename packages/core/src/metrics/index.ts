export {
  type Collector,
  type Counter,
  DEFAULT_BUCKETS,
  type Gauge,
  type Histogram,
  type Labels,
  type MetricSnapshot,
  MetricsRegistry,
  type MetricType,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheus,
  type SeriesSnapshot,
} from './registry.js';
export {
  type ApprovalOutcome,
  createRuntimeMetrics,
  type ModelCallMetric,
  meteredModel,
  type RuntimeMetrics,
} from './runtime-metrics.js';
