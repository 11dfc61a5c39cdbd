export { alertId, alertMessage, type Alert, type AlertDirection } from './alert.ts';
export {
  ALERT_MEASUREMENT,
  ALERT_SCHEMA_VERSION,
  ALERT_TOPIC_PREFIX,
  alertLine,
  alertPoint,
  alertTopicName,
  decodeAlert,
  encodeAlert,
  type AlertJson,
  type AlertRecord,
} from './encode.ts';
export {
  crossing,
  evaluateAlerts,
  evaluateAll,
  initialAlertState,
  isAlertState,
  restoreAlertState,
  stateKey,
  type AlertState,
  type EnrichedCandle,
  type Evaluation,
  type RuleState,
} from './evaluate.ts';
export {
  alertLookback,
  alertRules,
  alertSources,
  MAX_WINDOW,
  rulesOf,
  type AlertKind,
  type AlertRule,
  type AlertSpec,
  type AlertSpecSource,
} from './rule.ts';
