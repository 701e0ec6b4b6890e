// drizzle-kit generates SQL migrations from schema/tables.ts; wrangler applies them to D1.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./schema/tables.ts",
  out: "./schema/migrations",
});
