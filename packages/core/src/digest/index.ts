export {
  type GroupByPrefixOptions,
  groupByPrefix,
  type PrefixEntry,
  type PrefixGroup,
  type PrefixLeaf,
} from './group.js';
export {
  inferSeverity,
  type LogSeverity,
  levelSeverity,
  type StrippedLine,
  severityRank,
  stripHeader,
} from './header.js';
export {
  extractValues,
  isVariablePiece,
  maskMessage,
  maskToken,
  maskTokens,
  tokenize,
  WILDCARD,
} from './mask.js';
export { normalizeTemplate, type ParseScores, parseCsv, scoreParse } from './metrics.js';
export {
  type LogTemplate,
  type LogTemplateExample,
  TemplateMiner,
  type TemplateMinerOptions,
  type TemplateMinerState,
  type TemplateMinerStats,
  type TemplateRef,
  type TemplateSurge,
} from './miner.js';
export {
  estimateTokens,
  orderTemplates,
  type RenderDigestOptions,
  renderDigest,
  renderSurges,
} from './render.js';
