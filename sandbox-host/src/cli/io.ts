// The streams a CLI command reads and writes, so tests can supply and capture them.
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  env?: NodeJS.ProcessEnv;
  /** Ends a command that runs until stopped (`audit tail -f`); Ctrl-C otherwise. */
  signal?: AbortSignal;
}

/** All of standard input as text (a piped secret or password). */
export async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (stream === undefined) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
