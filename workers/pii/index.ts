// Public surface of the PII engine used by the LLM proxy; pure TypeScript for workerd and Node.
export {
  PII_CATEGORIES,
  PiiPolicySchema,
  PiiActionSchema,
  PiiListsSchema,
  DEFAULT_ACTION,
  actionFor,
  type PiiCategory,
  type PiiAction,
  type PiiPolicy,
  type PiiLists,
  type PiiFinding,
} from "./types.js";
export { detectPii, PiiDetector, type DetectOptions } from "./detect.js";
export { Masker, createMasker, PLACEHOLDER_LABELS, type MaskResult, type MaskerOptions } from "./masker.js";
export { maskJsonStrings, jsonStrings, type JsonValue } from "./json.js";
export { scanOutbound, mergePiiExits, type OutboundData, type OutboundVerdict } from "./outbound.js";
export { createRestorer, restorerFactory, restoreText, type Restorer, type RestorerOptions } from "./restore.js";
export { PiiBudgetError, type PiiBudgetReason } from "./errors.js";
export { normalize } from "./normalize.js";
