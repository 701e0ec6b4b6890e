// The shared contract: D1 tables and the zod schemas of the public API.
export * from "./api.js";
export * from "./sso.js";
