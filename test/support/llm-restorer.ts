// A test stand-in for the PII engine's restorer: swaps `<NAME_N>` placeholders back, holding
// back a trailing `<…` that could still become one, so split placeholders can be checked.
import type { RestorerFactory } from "../../workers/llm/types.js";

const MAX_PLACEHOLDER = 24;

export function placeholderRestorer(values: Record<string, string>): RestorerFactory {
  const swap = (text: string) => text.replace(/<[A-Z_]+_\d+>/g, (m) => values[m] ?? m);
  return () => {
    let held = "";
    return {
      push(chunk) {
        const text = held + chunk;
        const open = text.lastIndexOf("<");
        // Hold from the last "<" when it is unclosed and short enough to be a placeholder start.
        if (open !== -1 && !text.includes(">", open) && text.length - open < MAX_PLACEHOLDER) {
          held = text.slice(open);
          return swap(text.slice(0, open));
        }
        held = "";
        return swap(text);
      },
      flush() {
        const rest = held;
        held = "";
        return swap(rest);
      },
    };
  };
}
