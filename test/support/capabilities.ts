// Whether a suite that needs something of the machine (bubblewrap, an OCI runtime, curl, root)
// runs here. On a developer machine without it the suite is skipped and says why; under CI
// (CI=true) a missing capability fails the suite instead, so a broken CI image cannot pass by
// skipping what it was meant to test.
export function missing(what: string, check: { ok: boolean; reason?: string | undefined }): boolean {
  if (check.ok) return false;
  const why = `${what} is not available here: ${check.reason ?? "not found"}`;
  if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`${why}; CI must run the suites that need it`);
  console.warn(`skipped: ${why}`);
  return true;
}
