// The local OTLP receiver (the Node target server's /otlp/<tag>/v1/traces) as the telemetry tests
// read it: every export a tag received, decoded, and its spans with plain attribute values.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type SeededOrg, call, unique } from "../support/api.js";

export interface Export {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code: number; message?: string };
  attrs: Record<string, unknown>;
  resource: Record<string, unknown>;
}

type AnyValue = { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values: AnyValue[] } };

function plain(value: AnyValue): unknown {
  if (value.arrayValue) return value.arrayValue.values.map(plain);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.doubleValue ?? value.boolValue;
}

const attrsOf = (list: Array<{ key: string; value: AnyValue }>) => Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

export async function exportsOf(tag: string): Promise<Export[]> {
  const all = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=2000`)).json()) as Export[];
  return all.filter((r) => r.path.startsWith(`/otlp/${tag}/`));
}

export function spansOf(exports: Export[]): ReceivedSpan[] {
  return exports.flatMap((e) => {
    const body = JSON.parse(e.body) as {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: AnyValue }> };
        scopeSpans: Array<{ spans: Array<Record<string, any>> }>;
      }>;
    };
    return body.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) =>
        ss.spans.map((s) => ({ ...(s as ReceivedSpan), attrs: attrsOf(s.attributes), resource: attrsOf(rs.resource.attributes) })),
      ),
    );
  });
}

/** Polls the receiver (bounded) until `done` holds for the spans of the tag; exports leave from waitUntil. */
export async function receivedSpans(tag: string, done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  for (let i = 0; i < 100; i++) {
    const spans = spansOf(await exportsOf(tag));
    if (done(spans)) return spans;
    await new Promise((r) => setTimeout(r, 100));
  }
  const spans = spansOf(await exportsOf(tag));
  expect(done(spans), `spans received for ${tag}: ${JSON.stringify(spans.map((s) => s.name))}`).toBe(true);
  return spans;
}

/** Points the org's export at a fresh receiver tag; returns the tag. */
export async function configureTelemetry(org: SeededOrg, options: Record<string, unknown> = {}, mode = ""): Promise<string> {
  const tag = unique("otlp");
  const res = await call(`/api/v1/orgs/${org.orgId}/telemetry`, {
    method: "PUT",
    token: org.apiKey,
    body: { endpoint: `${env.TEST_TARGET_URL}/otlp/${tag}${mode}/v1/traces`, ...options },
  });
  expect(res.status, res.text).toBe(200);
  return tag;
}
