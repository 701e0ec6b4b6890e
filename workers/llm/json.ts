// Non-streaming answers: parse the provider's JSON, read its usage and restore assistant text.
import { AppError } from "../errors.js";
import { identityRestorer, restoreWhole, type LlmEndpoint, type RestorerFactory, type Usage } from "./types.js";
import { extractUsage } from "./usage.js";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function eachObject(value: unknown, fn: (item: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) for (const item of value) if (isObject(item)) fn(item);
}

/**
 * Restores the assistant text fields in place: chat `choices[].message.content`, responses
 * `output[].content[].text` (and `output_text`), Anthropic `content[].text`.
 */
export function restoreBodyText(endpoint: LlmEndpoint, body: unknown, restore: (text: string) => string): void {
  if (!isObject(body)) return;
  if (endpoint === "chat") {
    eachObject(body.choices, (choice) => {
      const message = choice.message;
      if (isObject(message) && typeof message.content === "string") message.content = restore(message.content);
    });
  } else if (endpoint === "responses") {
    restoreResponseObject(body, restore);
  } else if (endpoint === "messages") {
    eachObject(body.content, (block) => {
      if (block.type === "text" && typeof block.text === "string") block.text = restore(block.text);
    });
  }
}

/** Restores the text of a responses `Response` object (also used for response.completed). */
export function restoreResponseObject(response: Record<string, unknown>, restore: (text: string) => string): void {
  eachObject(response.output, (item) => {
    eachObject(item.content, (part) => {
      if (part.type === "output_text" && typeof part.text === "string") part.text = restore(part.text);
    });
  });
  if (typeof response.output_text === "string") response.output_text = restore(response.output_text);
}

export interface RestoredJson {
  body: unknown;
  /** The body to send the agent: the provider's own text when nothing was restored. */
  text: string;
  usage: Usage | null;
}

/** Parses an upstream JSON text, restoring text with fresh restorers; garbage is a 502. */
export function restoreJsonText(endpoint: LlmEndpoint, text: string, restorers: RestorerFactory): RestoredJson {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new AppError("upstream_error", "the model provider answered with something that is not JSON", { cause: err });
  }
  // Nothing to put back: the provider's bytes go to the agent as they came.
  if (restorers === identityRestorer) return { body, text, usage: extractUsage(endpoint, body) };
  restoreBodyText(endpoint, body, (t) => restoreWhole(restorers, t));
  return { body, text: JSON.stringify(body), usage: extractUsage(endpoint, body) };
}
