// Types of build-dashboard.mjs for the TypeScript files that import it (vitest.config.ts, tests).
export const OUT_DIR: string;
export function bundleDashboard(): Promise<{ files: Record<string, Uint8Array>; js: string; css: string }>;
export function buildDashboard(options?: { quiet?: boolean }): Promise<{ files: string[] } & Record<string, unknown>>;
