// Optional secrets, which `wrangler types` cannot list (it only knows required ones).
interface Env {
  /** Ed25519 private JWK that signs audit checkpoints; checkpoints are off without it. */
  AUDIT_CHECKPOINT_KEY?: string;
}
