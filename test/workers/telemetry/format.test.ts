// The wire pieces of the OpenTelemetry export on their own: W3C traceparent parsing, the OTLP JSON
// mapping of attributes, Retry-After, and the redaction of the export's header values.
import { describe, expect, it } from "vitest";
import { redactor, retryAfterMs } from "../../../workers/telemetry/export.js";
import { otlpBody } from "../../../workers/telemetry/otlp.js";
import type { FinishedSpan } from "../../../workers/telemetry/span.js";
import { formatTraceparent, parseTraceparent } from "../../../workers/telemetry/traceparent.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("traceparent", () => {
  it("reads a valid header, a later version with more fields, and surrounding spaces", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, spanId: SPAN });
    expect(parseTraceparent(` 01-${TRACE}-${SPAN}-01-extra `)).toEqual({ traceId: TRACE, spanId: SPAN });
  });

  it("refuses malformed, upper-case, all-zero, version ff and version 00 with extra fields", () => {
    for (const bad of [
      null,
      "",
      "garbage",
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      `00-${"0".repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${TRACE.slice(1)}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeNull();
    }
  });

  it("writes version 00, sampled", () => {
    expect(formatTraceparent({ traceId: TRACE, spanId: SPAN })).toBe(`00-${TRACE}-${SPAN}-01`);
  });
});

describe("OTLP JSON body", () => {
  it("follows the protobuf JSON mapping: hex ids, string nanoseconds, typed values, error status", () => {
    const span: FinishedSpan = {
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: null,
      name: "chat m",
      kind: 3,
      startMs: 1_700_000_000_123,
      endMs: 1_700_000_000_456,
      attributes: { s: "x", i: 42, d: 0.5, b: true, a: ["stop", "length"] },
      error: "policy_denied",
      deferred: [() => ({ later: "computed" })],
    };
    const body = JSON.parse(otlpBody({ "service.name": "palisade-edge" }, [span]));
    const [rs] = body.resourceSpans;
    expect(rs.resource.attributes).toEqual([{ key: "service.name", value: { stringValue: "palisade-edge" } }]);
    const [out] = rs.scopeSpans[0].spans;
    expect(out).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      name: "chat m",
      kind: 3,
      startTimeUnixNano: "1700000000123000000",
      endTimeUnixNano: "1700000000456000000",
      status: { code: 2, message: "policy_denied" },
    });
    expect(out.parentSpanId).toBeUndefined();
    expect(out.attributes).toEqual([
      { key: "s", value: { stringValue: "x" } },
      { key: "i", value: { intValue: "42" } },
      { key: "d", value: { doubleValue: 0.5 } },
      { key: "b", value: { boolValue: true } },
      { key: "a", value: { arrayValue: { values: [{ stringValue: "stop" }, { stringValue: "length" }] } } },
      { key: "later", value: { stringValue: "computed" } },
    ]);
  });
});

describe("Retry-After and redaction", () => {
  it("reads delta seconds and HTTP dates, ignores garbage", () => {
    expect(retryAfterMs("3")).toBe(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(retryAfterMs("soon")).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });

  it("removes header values, bare bearer tokens and their JSON-escaped forms", () => {
    const redact = redactor(['Bearer key"with\\quote-123', "short"]);
    expect(redact('a key"with\\quote-123 b')).toBe("a [REDACTED] b");
    expect(redact(JSON.stringify('key"with\\quote-123'))).toBe('"[REDACTED]"');
    expect(redact("short stays")).toBe("short stays");
  });
});
