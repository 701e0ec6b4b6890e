// Attack class: an egress body that crashes the PII scan instead of getting a verdict. A JSON array
// of 80,000 small objects (2.3 MB, an ordinary export) sent as application/json or text/plain under
// a blocking rule answers 500 internal_error: the scan of the body's strings overflows the stack
// ("RangeError: Maximum call stack size exceeded" in the Worker's log). Nothing reaches the target,
// but the caller gets no verdict, the audit records an error rather than a PII decision, and any
// body of this shape is refused. (Also so before this round.) The expected answer is a verdict:
// delivered, or 422 with a PII code.
import { describe, expect, it } from "vitest";
import { egressPiiAgent, sendEgress } from "./support/egress-pii.js";

const exportOf = (records: number) => `[${Array.from({ length: records }, (_, i) => `{"id":${i},"active":true}`).join(",")}]`;

describe("a large JSON export gets a PII verdict, not an internal error", () => {
  for (const contentType of ["application/json", "text/plain"]) {
    it(`80,000 records as ${contentType}`, async () => {
      const agent = await egressPiiAgent(`red12-json-crash-${contentType.replace("/", "-")}`);
      const r = await sendEgress(agent, "/export", { headers: { "content-type": contentType }, rawBody: exportOf(80_000) });
      expect(r.status, r.text.slice(0, 200)).not.toBe(500);
      if (r.status !== 200) expect(r.text).toMatch(/pii_/);
    });
  }
});
