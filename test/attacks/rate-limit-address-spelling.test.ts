// Attack class: escaping a per-address rate limit by spelling one client's address differently:
// rotating the interface id inside one IPv6 /64, writing the same IPv6 in another form, sending
// an IPv4 as IPv4-mapped IPv6, or sending no readable address at all.
import { describe, expect, it } from "vitest";
import { RATE_LIMITS } from "../../workers/identity/login-guard.js";
import { clientAddressKey } from "../../workers/identity/login-throttle.js";
import { call } from "../workers/support/api.js";

const register = (address: string | undefined) =>
  call("/oauth/register", {
    method: "POST",
    ...(address === undefined ? {} : { headers: { "cf-connecting-ip": address } }),
    body: { redirect_uris: ["http://127.0.0.1:33418/callback"], client_name: "flood", token_endpoint_auth_method: "none" },
  });
const hex = () => Math.floor(Math.random() * 0xffff).toString(16);

/** Registers beyond the limit with the addresses `spell(i)` gives; returns how many were refused. */
async function refusedBeyondLimit(spell: (i: number) => string | undefined) {
  const statuses: number[] = [];
  for (let i = 0; i <= RATE_LIMITS.oauth_register_address.limit + 1; i++) statuses.push((await register(spell(i))).status);
  return statuses.filter((s) => s === 429).length;
}

describe("attack: one client's address spelled many ways escapes the per-address OAuth registration limit", () => {
  it("the same IPv6 /64 in expanded, upper-case and compressed spellings with rotating interface ids", async () => {
    const [a, b] = [hex(), hex()];
    const spellings = [
      (i: number) => `2001:db8:${a}:${b}::${(i + 1).toString(16)}`,
      (i: number) => `2001:0DB8:${a.padStart(4, "0").toUpperCase()}:${b}:0:0:0:${(i + 1).toString(16)}`,
      (i: number) => `2001:db8:${a}:${b}:${hex()}:${hex()}:${hex()}:${(i + 1).toString(16)}`,
    ];
    expect(await refusedBeyondLimit((i) => spellings[i % 3]?.(i))).toBeGreaterThan(0);
  });

  it("an IPv4 address alternating with its IPv4-mapped IPv6 forms", async () => {
    const v4 = `198.51.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`;
    const [p, q, r, s] = v4.split(".").map(Number) as [number, number, number, number];
    const mappedHex = `::ffff:${((p << 8) | q).toString(16)}:${((r << 8) | s).toString(16)}`;
    const forms = [v4, `::ffff:${v4}`, mappedHex, ` ${v4} `];
    expect(await refusedBeyondLimit((i) => forms[i % forms.length])).toBeGreaterThan(0);
  });

  it("an empty or unreadable address (garbage where the address should be) is one shared bucket, not an unlimited one", async () => {
    // (A request without the header at all is keyed the same way: clientAddressKey(undefined), below.)
    const forms = ["", "not-an-ip", "999.1.1.1", "2001:db8::1::2"];
    expect(await refusedBeyondLimit((i) => forms[i % forms.length])).toBeGreaterThan(0);
  });

  it("distinct /64s stay distinct clients, and the key is the /64 or the IPv4 itself", () => {
    expect(clientAddressKey("2001:db8:1:2::5")).toBe(clientAddressKey("2001:DB8:1:2:ffff:0:0:9"));
    expect(clientAddressKey("2001:db8:1:2::5")).not.toBe(clientAddressKey("2001:db8:1:3::5"));
    expect(clientAddressKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(clientAddressKey(null)).toBe(clientAddressKey("bogus"));
    expect(clientAddressKey(undefined)).toBe(clientAddressKey(""));
  });
});
