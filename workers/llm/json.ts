// Non-streaming answers: parse the provider's JSON, read its usage and restore assistant text.
import { AppError } from "../errors.js";
import { identityRestorer, isObject, restoreWhole, type LlmEndpoint, type RestorerFactory, type Usage } from "./types.js";
import { extractUsage } from "./usage.js";

function eachObject(value: unknown, fn: (item: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) for (const item of value) if (isObject(item)) fn(item);
}

/** Text restore, and restore inside JSON text (tool-call arguments) with escaped originals. */
export type Restore = (text: string, json?: boolean) => string;

/** Restores every string of a JSON value in place (Anthropic tool_use `input`). */
function restoreStrings(value: unknown, restore: Restore): unknown {
  if (typeof value === "string") return restore(value);
  if (Array.isArray(value)) return value.map((v) => restoreStrings(v, restore));
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) value[k] = restoreStrings(v, restore);
  }
  return value;
}

/**
 * Restores the assistant's text and tool-call arguments in place: chat `choices[].message`
 * (content, tool_calls), responses `output[]` (text parts, function calls, `output_text`),
 * Anthropic `content[]` (text, tool_use input).
 */
export function restoreBodyText(endpoint: LlmEndpoint, body: unknown, restore: Restore): void {
  if (!isObject(body)) return;
  if (endpoint === "chat") {
    eachObject(body.choices, (choice) => {
      const message = choice.message;
      if (!isObject(message)) return;
      if (typeof message.content === "string") message.content = restore(message.content);
      eachObject(message.tool_calls, (call) => {
        if (isObject(call.function) && typeof call.function.arguments === "string") call.function.arguments = restore(call.function.arguments, true);
      });
    });
  } else if (endpoint === "responses") {
    restoreResponseObject(body, restore);
  } else if (endpoint === "messages") {
    eachObject(body.content, (block) => {
      if (block.type === "text" && typeof block.text === "string") block.text = restore(block.text);
      if (block.type === "tool_use" && isObject(block.input)) restoreStrings(block.input, restore);
    });
  }
}

/** Restores the text and function-call arguments of a responses `Response` object (also used for response.completed). */
export function restoreResponseObject(response: Record<string, unknown>, restore: Restore): void {
  eachObject(response.output, (item) => restoreResponseItem(item, restore));
  if (typeof response.output_text === "string") response.output_text = restore(response.output_text);
}

/** One responses output item: a message's text parts, or a function call's arguments. */
export function restoreResponseItem(item: Record<string, unknown>, restore: Restore): void {
  eachObject(item.content, (part) => {
    if (part.type === "output_text" && typeof part.text === "string") part.text = restore(part.text);
  });
  if (item.type === "function_call" && typeof item.arguments === "string") item.arguments = restore(item.arguments, true);
}

export interface RestoredJson {
  /** The body to send the agent: the provider's own text when nothing was restored. */
  text: string;
  usage: Usage | null;
}

/** Whether a JSON text can hold a placeholder at all (its "<" may be escaped as \u003c). */
const mayHoldPlaceholder = (text: string) => text.includes("<") || /\\u003c/i.test(text);

/** Parses an upstream JSON text, restoring text with fresh restorers; garbage is a 502. */
export function restoreJsonText(endpoint: LlmEndpoint, text: string, restorers: RestorerFactory): RestoredJson {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new AppError("upstream_error", "the model provider answered with something that is not JSON", { cause: err });
  }
  const usage = extractUsage(endpoint, body);
  // Nothing to put back: the provider's bytes go to the agent as they came.
  if (restorers === identityRestorer || !mayHoldPlaceholder(text)) return { text, usage };
  // Originals that need no escaping go straight back into the raw text, wherever the placeholder
  // sits (tool-call arguments are JSON inside a JSON string): no walk, no re-serialisation. A
  // \u escape could hide a placeholder from that search, so such answers take the parsed path.
  if (restorers.rawJsonSafe && !text.includes("\\u")) return { text: restoreWhole(restorers, text), usage };
  restoreBodyText(endpoint, body, (t, json) => restoreWhole(restorers, t, { json: json === true }));
  return { text: JSON.stringify(body), usage };
}
