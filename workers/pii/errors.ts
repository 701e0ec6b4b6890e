// The one error the engine raises: detection could not finish within its budget or failed.
// Its reasons also name why a scan of an exit could not run at all.
/** "encoding": a body in a content encoding the gateway does not decode (it cannot be read, so it is not scanned). */
export type PiiBudgetReason = "size" | "time" | "entity_size" | "detector_error" | "encoding";

/**
 * Detection did not complete, so the text cannot be trusted as masked. The caller refuses the
 * request (failMode "closed", the default) or forwards it unmasked (failMode "open").
 * The message never holds any part of the text.
 */
export class PiiBudgetError extends Error {
  readonly reason: PiiBudgetReason;

  constructor(reason: PiiBudgetReason, options?: { cause?: unknown }) {
    super(`PII detection did not complete (${reason})`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PiiBudgetError";
    this.reason = reason;
  }
}
