// The OTLP/HTTP JSON body of a batch of spans (the protobuf JSON mapping of
// ExportTraceServiceRequest): ids as hex, times as decimal strings of nanoseconds, int64 values as
// decimal strings. Built by hand: the OpenTelemetry JS SDK and exporters are far larger than
// this one body, and pull Node-oriented context and timer machinery into the Worker.
import { type AttributeValue, type FinishedSpan, resolvedAttributes } from "./span.js";

export const OTLP_SCOPE = { name: "palisade-edge", version: "1" };
/** OTLP StatusCode values. */
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } };

/** Rewrites a string attribute before it leaves (the exporter removes its own header values). */
export type Redact = (text: string) => string;

function anyValue(value: AttributeValue, redact: Redact): AnyValue {
  if (typeof value === "string") return { stringValue: redact(value) };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  return { arrayValue: { values: value.map((v) => ({ stringValue: redact(v) })) } };
}

export function otlpAttributes(attributes: Record<string, AttributeValue>, redact: Redact = (t) => t) {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value, redact) }));
}

const nanos = (ms: number) => `${Math.round(ms)}000000`;

export function otlpBody(resource: Record<string, AttributeValue>, spans: FinishedSpan[], redact: Redact = (t) => t): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: otlpAttributes(resource) },
        scopeSpans: [
          {
            scope: OTLP_SCOPE,
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: nanos(span.startMs),
              endTimeUnixNano: nanos(span.endMs),
              attributes: otlpAttributes(resolvedAttributes(span), redact),
              status: span.error === null ? { code: STATUS_UNSET } : { code: STATUS_ERROR, message: span.error },
            })),
          },
        ],
      },
    ],
  });
}
