// The PII cost tests' bound: a guard against work that grows with the square (or worse) of the
// input, which at these sizes takes many seconds to minutes, not a speed check: speed is measured
// by `npm run bench`. Generous, so a machine loaded by the whole suite (two projects side by side,
// VMs booting) does not trip it; a bound near the real time failed runs that only were slow.
export const COST_GUARD_MS = 8_000;
