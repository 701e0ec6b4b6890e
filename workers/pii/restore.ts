// Puts original values back in place of placeholders, one-shot or over a stream of chunks
// that may split a placeholder anywhere.

export interface RestorerOptions {
  /** Escape originals for use inside a JSON string (e.g. streamed tool-call arguments). */
  jsonEscape?: boolean;
}

export interface Restorer {
  /** Returns the text that is safe to emit now; holds back at most a placeholder prefix. */
  push(chunk: string): string;
  /** Returns whatever is held back; call once at the end of the stream. */
  flush(): string;
}

function escapeForJson(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/**
 * A mapping's lookup tables: originals by placeholder, and (built on first need) every proper
 * prefix of a placeholder. Only a text that ends inside a possible placeholder needs the
 * prefixes, which a whole answer almost never does, so most calls never pay for them.
 */
interface CompiledMapping {
  table: Map<string, string>;
  prefixes: () => Set<string>;
  maxLen: number;
}

function compile(mapping: Readonly<Record<string, string>>, jsonEscape: boolean): CompiledMapping {
  const table = new Map<string, string>();
  let maxLen = 0;
  for (const [placeholder, original] of Object.entries(mapping)) {
    table.set(placeholder, jsonEscape ? escapeForJson(original) : original);
    maxLen = Math.max(maxLen, placeholder.length);
  }
  let prefixes: Set<string> | undefined;
  const prefixesOf = () => {
    if (prefixes) return prefixes;
    prefixes = new Set<string>();
    for (const placeholder of table.keys()) for (let i = 1; i < placeholder.length; i++) prefixes.add(placeholder.slice(0, i));
    return prefixes;
  };
  return { table, prefixes: prefixesOf, maxLen };
}

export function createRestorer(mapping: Readonly<Record<string, string>>, options: RestorerOptions = {}): Restorer {
  return restorerOver(compile(mapping, options.jsonEscape === true));
}

/**
 * Makes restorers for one mapping (a call makes one per text field or stream block); the
 * lookup tables are built once per escaping and shared by all of them.
 */
export function restorerFactory(mapping: Readonly<Record<string, string>>): (options?: RestorerOptions) => Restorer {
  const compiled: Array<CompiledMapping | undefined> = [];
  return (options = {}) => {
    const json = options.jsonEscape === true ? 1 : 0;
    compiled[json] ??= compile(mapping, json === 1);
    return restorerOver(compiled[json]);
  };
}

function restorerOver({ table, prefixes, maxLen }: CompiledMapping): Restorer {
  let held = "";
  return {
    push(chunk: string): string {
      if (table.size === 0) return chunk;
      const buf = held + chunk;
      held = "";
      let out = "";
      let i = 0;
      for (;;) {
        const lt = buf.indexOf("<", i);
        if (lt < 0) return out + buf.slice(i);
        out += buf.slice(i, lt);
        const gt = buf.indexOf(">", lt + 1);
        if (gt >= 0 && gt - lt < maxLen) {
          const original = table.get(buf.slice(lt, gt + 1));
          if (original !== undefined) {
            out += original;
            i = gt + 1;
            continue;
          }
        } else if (buf.length - lt < maxLen && prefixes().has(buf.slice(lt))) {
          // Could be the start of a placeholder that the next chunk completes.
          held = buf.slice(lt);
          return out;
        }
        out += "<";
        i = lt + 1;
      }
    },
    flush(): string {
      const rest = held;
      held = "";
      return rest;
    },
  };
}

/** Replaces every placeholder of `mapping` in a complete text. */
export function restoreText(text: string, mapping: Readonly<Record<string, string>>, options: RestorerOptions = {}): string {
  const r = createRestorer(mapping, options);
  return r.push(text) + r.flush();
}
