export {
  type IncidentEvent,
  type IncidentMessageInput,
  incidentMessage,
} from './incident-message.js';
export {
  CHECK_FAILED_PREFIX,
  checkFailedFinding,
  checkFailedKey,
  createMonitor,
  type Monitor,
  type MonitorCycleReport,
  type MonitorDeps,
  type MonitorProposal,
  type SourceCycleReport,
  safeFinding,
} from './monitor.js';
