export {
  createInteractionLog,
  type InteractionLog,
  type InteractionLogOptions,
  type LoggedCall,
  readLoggedCalls,
} from './interaction-log.js';
export {
  type BudgetBehaviour,
  type BudgetBreach,
  type Budgets,
  type UsageKeys,
  UsageMeter,
  type UsageMeterOptions,
  type UsageRecord,
  type UsageTotals,
} from './meter.js';
