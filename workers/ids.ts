// Time-ordered, prefixed ids ("agt_01jd…"): a leaf module, so data/, identity/ and the Durable
// Objects can all mint and check ids without importing each other.
const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * 10 chars of millisecond time then 16 random chars, so ids sort by creation and serve directly
 * as pagination cursors.
 */
export function newId(prefix: string, now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  let rand = "";
  for (const b of crypto.getRandomValues(new Uint8Array(16))) rand += CROCKFORD[b % 32];
  return `${prefix}_${time}${rand}`;
}

export const ID_PATTERN = /^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}$/;
