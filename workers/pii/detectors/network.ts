// IP addresses: IPv4 dotted quads (each octet 0-255) and IPv6 (validated by ipaddr.js).
import ipaddr from "ipaddr.js";
import type { RawFinding } from "../types.js";

// Letters of scripts written without spaces (Han, kana, Hangul, Thai…) may touch an address
// ("于81.23.109.209登录", "172.24.200.241에서"): only cased letters, digits and "_" may not.
const IPV4 =
  /(?<![\p{Lu}\p{Ll}\p{Lt}\p{N}_.]|\d\.)(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?:\/\d{1,2})?(?![\p{Lu}\p{Ll}\p{Lt}\p{N}_]|\.\d)/gu;
const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
/** A dot written so that it no longer links: "[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}". */
const DEFANGED_DOT = String.raw`(?:\[(?:\.|dot)\]|\((?:\.|dot)\)|\{(?:\.|dot)\})`;
/** An IPv4 address with one or more of its dots defanged ("203.0.113[.]77", "203[.]0[.]113[.]77"). */
const DEFANGED_IPV4 = new RegExp(
  String.raw`(?<![\p{L}\p{N}_.])${OCTET}(?:(?:\.|${DEFANGED_DOT})${OCTET}){3}(?![\p{L}\p{N}_]|(?:\.|${DEFANGED_DOT})\d)`,
  "giu",
);
const DEFANGED_DOTS = new RegExp(DEFANGED_DOT, "gi");
const DEFANGED_HINT = /[[({](?:\.|dot)[\])}]/i;

/** Characters an IPv6 candidate is made of (hex, ":", "." of an embedded IPv4); "%zone" and "/prefix" follow. */
function isV6Char(c: number): boolean {
  return (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46;
}
const WORD_AROUND = /[\p{Lu}\p{Ll}\p{Lt}\p{N}_]/u;
/** "version 1.2.3.4", "v10.0.0.1", "Build 10.4.2.118", "firmware 2.1.0.7": software versions, not addresses. */
const VERSION_BEFORE = /\b(?:v|version|release|ver\.?|build|firmware|fw|rev\.?|revision|patch|hotfix|driver)\s*[:#]?\s*$/i;

/** Versions and section numbers in text written without spaces ("版本号1.2.3.4", "バージョン1.2.3.4", "第1.2.3.4节", "3.10.12.1版"). */
const CJK_VERSION_BEFORE = /(?:版本号?|版|バージョン|เวอร์ชัน|รุ่น|第|固件|升级到|更新到|버전)\s*$/iu;
const CJK_VERSION_AFTER = /^\s*(?:版|节|節|章|条|條|項|款|판)/u;

export function detectIps(text: string, out: RawFinding[]): void {
  if (text.indexOf(".") >= 0) {
    IPV4.lastIndex = 0;
    for (let m = IPV4.exec(text); m; m = IPV4.exec(text)) {
      if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 14), m.index))) continue;
      if (
        CJK_VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 8), m.index)) ||
        CJK_VERSION_AFTER.test(text.slice(m.index + m[0].length, m.index + m[0].length + 3))
      )
        continue;
      // Loopback and "any" addresses name this machine, never a person's or a network's.
      if (m[0].startsWith("127.") || m[0] === "0.0.0.0") continue;
      out.push({ category: "ip_address", start: m.index, end: m.index + m[0].length, detector: "ipv4", key: m[0] });
    }
  }
  if (DEFANGED_HINT.test(text)) detectDefangedIps(text, out);
  // IPv6: grown from each ":" over hex digits, colons and dots (a regex tried at every position
  // of the text costs more than the rest of the detectors).
  let next = 0;
  for (let colon = text.indexOf(":"); colon >= 0; colon = text.indexOf(":", Math.max(colon + 1, next))) {
    let start = colon;
    while (start > 0 && isV6Char(text.charCodeAt(start - 1))) start--;
    let end = colon + 1;
    while (end < text.length && isV6Char(text.charCodeAt(end))) end++;
    next = end;
    // A full stop after the address ends the sentence ("from 2001:db8::8f9c.").
    while (end > colon + 1 && text[end - 1] === ".") end--;
    if (end - start < 3 || (start > 0 && WORD_AROUND.test(text[start - 1] ?? ""))) continue;
    let stop = end;
    const zone = /^%[\w.]+/.exec(text.slice(end, end + 16));
    if (zone) stop += zone[0].length;
    const prefix = /^\/\d{1,3}/.exec(text.slice(stop, stop + 4));
    if (prefix) stop += prefix[0].length;
    if (stop < text.length && WORD_AROUND.test(text[stop] ?? "")) continue;
    const value = text.slice(start, stop);
    // Clock times and ratios ("12:30:45") have no "::" and fewer than eight groups; never addresses.
    if (!value.includes("::") && value.split(":").length < 8) continue;
    const bare = value.replace(/%[\w.]+/, "").replace(/\/\d{1,3}$/, "");
    if (bare === "::" || !ipaddr.IPv6.isValid(bare)) continue;
    // "A::B", "Bad::Ace", "E::" (Rust, C++ and Perl paths; chance bytes of binary data) are words
    // around "::": a compressed address has two groups, a digit and a group of three hex digits
    // or more ("fe80::1"; random bytes spell "a::6"). Loopback names this machine.
    if (value.includes("::") && (!/\d/.test(bare) || bare.split(":").filter(Boolean).length < 2 || !/[\da-f]{3}/i.test(bare))) continue;
    const address = ipaddr.IPv6.parse(bare);
    if (address.range() === "loopback") continue;
    out.push({ category: "ip_address", start, end: stop, detector: "ipv6", key: address.toNormalizedString() });
  }
}

/** IPv4 addresses written defanged, as threat reports and tickets do so that they do not link. */
function detectDefangedIps(text: string, out: RawFinding[]): void {
  DEFANGED_IPV4.lastIndex = 0;
  for (let m = DEFANGED_IPV4.exec(text); m; m = DEFANGED_IPV4.exec(text)) {
    const key = m[0].replace(DEFANGED_DOTS, ".");
    if (key === m[0] || key.startsWith("127.") || key === "0.0.0.0") continue;
    if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 14), m.index))) continue;
    out.push({ category: "ip_address", start: m.index, end: m.index + m[0].length, detector: "ipv4", key });
  }
}
