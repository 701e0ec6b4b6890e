// The signed checkpoint's format, shared by the Worker that signs it and the CLI that verifies it.
import { z } from "zod";

/** The JWS `typ` header of a checkpoint, so no other JWS signed by the key passes for one. */
export const CHECKPOINT_TYPE = "palisade-audit-checkpoint+jws";

export const CheckpointPayloadSchema = z.strictObject({
  v: z.literal(1),
  orgId: z.string(),
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  signedAt: z.number().int(),
});
export type CheckpointPayload = z.infer<typeof CheckpointPayloadSchema>;
