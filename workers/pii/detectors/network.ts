// IP addresses: IPv4 dotted quads (each octet 0-255) and IPv6 (validated by ipaddr.js).
import ipaddr from "ipaddr.js";
import type { RawFinding } from "../types.js";

const IPV4 =
  /(?<![\p{L}\p{N}_.]|\d\.)(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?:\/\d{1,2})?(?![\p{L}\p{N}_]|\.\d)/gu;
const IPV6 =
  /(?<![\p{L}\p{N}_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?:%[\w.]+)?(?:\/\d{1,3})?(?![\p{L}\p{N}_:])/gu;
/** "version 1.2.3.4", "v10.0.0.1": software versions, not addresses. */
const VERSION_BEFORE = /(?:\bv|version|release|ver\.?)\s*$/i;

export function detectIps(text: string, out: RawFinding[]): void {
  if (text.indexOf(".") >= 0) {
    IPV4.lastIndex = 0;
    for (let m = IPV4.exec(text); m; m = IPV4.exec(text)) {
      if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 10), m.index))) continue;
      out.push({ category: "ip_address", start: m.index, end: m.index + m[0].length, detector: "ipv4", key: m[0] });
    }
  }
  if (text.indexOf(":") >= 0) {
    IPV6.lastIndex = 0;
    for (let m = IPV6.exec(text); m; m = IPV6.exec(text)) {
      const value = m[0];
      // Clock times and ratios ("12:30:45") have no hex letters and no "::"; they are never addresses.
      if (!value.includes("::") && value.split(":").length < 8) continue;
      const bare = value.replace(/%[\w.]+/, "").replace(/\/\d{1,3}$/, "");
      if (!ipaddr.IPv6.isValid(bare)) continue;
      if (bare === "::" || /^::?$/.test(bare)) continue;
      out.push({
        category: "ip_address",
        start: m.index,
        end: m.index + value.length,
        detector: "ipv6",
        key: ipaddr.IPv6.parse(bare).toNormalizedString(),
      });
    }
  }
}
