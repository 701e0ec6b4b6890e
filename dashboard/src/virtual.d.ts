// The JSON Schemas of schema/'s zod exports, injected by scripts/build-dashboard.mjs.
declare module "virtual:schemas" {
  import type { JsonSchema } from "./schemas.js";
  const docs: Record<string, { input: JsonSchema; output: JsonSchema }>;
  export default docs;
}
