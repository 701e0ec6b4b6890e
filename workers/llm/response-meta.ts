// What a provider's answer says about itself (id, model, why it stopped), read from a whole
// response or from stream events one by one, for the call's trace span.
import { isObject } from "./types.js";

export interface ResponseMeta {
  id: string | null;
  model: string | null;
  finishReasons: string[];
}

export const emptyResponseMeta = (): ResponseMeta => ({ id: null, model: null, finishReasons: [] });

const text = (v: unknown) => (typeof v === "string" && v.length > 0 && v.length <= 200 ? v : null);

/** Notes what `data` (a chat completion or chunk, an Anthropic message or event, a Responses object or event) reports. */
export function noteResponse(meta: ResponseMeta, data: unknown): void {
  if (!isObject(data)) return;
  // Stream envelopes: Anthropic's message_start, the Responses API's response.* events.
  if (isObject(data.message)) return noteResponse(meta, data.message);
  if (isObject(data.response)) return noteResponse(meta, data.response);
  if (isObject(data.delta) && data.type === "message_delta") {
    const stop = text(data.delta.stop_reason);
    if (stop) meta.finishReasons.push(stop);
    return;
  }
  meta.id = text(data.id) ?? meta.id;
  meta.model = text(data.model) ?? meta.model;
  if (Array.isArray(data.choices)) {
    for (const choice of data.choices) {
      const reason = isObject(choice) ? text(choice.finish_reason) : null;
      if (reason) meta.finishReasons.push(reason);
    }
  }
  const stop = text(data.stop_reason);
  if (stop) meta.finishReasons.push(stop);
  if (data.object === "response") {
    const status = text(isObject(data.incomplete_details) ? data.incomplete_details.reason : null) ?? text(data.status);
    if (status && status !== "in_progress" && status !== "queued") meta.finishReasons.push(status);
  }
}
