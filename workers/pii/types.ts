// The PII vocabulary lives in schema/pii.ts (shared with the API and dashboard); re-exported here for the engine.
export * from "../../schema/pii.js";
