// The LLM wire layer: provider requests, JSON and SSE answers, usage, errors and estimates.
export * from "./types.js";
export * from "./usage.js";
export * from "./estimate.js";
export * from "./upstream.js";
export * from "./json.js";
export * from "./stream.js";
