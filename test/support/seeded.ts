/** A deterministic pseudo-random generator in [0, 1) (tests must not depend on chance). */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}
