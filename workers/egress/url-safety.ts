// SSRF guard for /egress: parses the target URL strictly and refuses non-public destinations in every encoding.
import ipaddr from "ipaddr.js";
import { canonicalHost } from "../../schema/policy.js";
import { AppError } from "../errors.js";

const MAX_TARGET_LENGTH = 8192;

/**
 * Parses what follows `/egress/`: an absolute http(s) URL. A proxy or client may collapse
 * `https://` into `https:/`, which is restored. Refused: other schemes, relative URLs,
 * userinfo, backslashes or percent-encoding in the authority (parsers disagree on them),
 * control characters and whitespace. The fragment is dropped.
 */
export function parseEgressTarget(raw: string): URL {
  if (raw.length === 0) throw new AppError("bad_request", "egress target is empty");
  if (raw.length > MAX_TARGET_LENGTH) throw new AppError("bad_request", "egress target is too long");
  if (/[\u0000-\u0020\u007f]/.test(raw)) throw new AppError("bad_request", "egress target contains whitespace or control characters");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw);
  if (scheme === null) throw new AppError("bad_request", "egress target must be an absolute http(s) URL");
  const name = (scheme[1] ?? "").toLowerCase();
  if (name !== "http" && name !== "https") throw new AppError("bad_request", "only http and https egress targets are supported");
  const rest = raw.slice(scheme[0].length);
  const slashes = /^\/*/.exec(rest)?.[0].length ?? 0;
  if (slashes !== 1 && slashes !== 2) throw new AppError("bad_request", "egress target must be scheme://host/path");
  const afterSlashes = rest.slice(slashes);
  const authority = afterSlashes.split(/[/?#]/, 1)[0] ?? "";
  if (authority.length === 0) throw new AppError("bad_request", "egress target has no host");
  if (authority.includes("@")) throw new AppError("bad_request", "credentials in the egress URL are not allowed");
  if (authority.includes("\\")) throw new AppError("bad_request", "backslash in the egress host is not allowed");
  if (authority.includes("%")) throw new AppError("bad_request", "percent-encoding in the egress host is not allowed");
  let url: URL;
  try {
    url = new URL(`${name}://${afterSlashes}`);
  } catch {
    throw new AppError("bad_request", "egress target is not a valid URL");
  }
  // Belt and braces: the checks above should make these impossible.
  if (url.username !== "" || url.password !== "") throw new AppError("bad_request", "credentials in the egress URL are not allowed");
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new AppError("bad_request", "only http and https egress targets are supported");
  url.hash = "";
  return url;
}

/**
 * Resolves a redirect's Location against the URL that answered, with the same strictness as
 * parseEgressTarget. The gateway then runs decideEgress and assertPublicDestination on the
 * result again (every hop), and strips and re-injects credentials from that hop's decision.
 */
export function resolveRedirect(current: URL, location: string): URL {
  if (location.length === 0 || location.length > MAX_TARGET_LENGTH) throw new AppError("upstream_error", "upstream sent an invalid redirect");
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw new AppError("upstream_error", "upstream sent an invalid redirect");
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") throw new AppError("upstream_error", "upstream redirected to an unsupported scheme");
  // Re-parse the absolute form so userinfo, backslashes and encoded hosts are refused as for a client target.
  try {
    return parseEgressTarget(next.href);
  } catch {
    throw new AppError("upstream_error", "upstream sent an invalid redirect");
  }
}

/** True when a credential may follow a redirect: same scheme, host and port (never to another host). */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin === b.origin;
}

export type DestinationClass =
  | "public"
  | "loopback"
  | "private"
  | "link_local"
  | "carrier_nat"
  | "unique_local"
  | "multicast"
  | "unspecified"
  | "broadcast"
  | "reserved"
  | "metadata"
  | "local_name"
  | "rebinding_name"
  | "invalid";

export type DestinationCheck = { ok: true; class: "public" | "private_allowed" } | { ok: false; class: Exclude<DestinationClass, "public"> };

/**
 * Cloud metadata and credential endpoints; refused even when private destinations are allowed.
 * Whole ranges where providers put them (AWS IMDS, ECS and EKS Pod Identity in 169.254.169/24
 * and 169.254.170/24, Tencent in 169.254.0/24, AWS IPv6 fd00:ec2::/64), plus single addresses
 * (Alibaba, Oracle's 192.0.0.192, Azure's WireServer).
 */
const METADATA_IPS = new Set(["100.100.100.200", "192.0.0.192", "168.63.129.16"]);
const METADATA_RANGES = ["169.254.169.0/24", "169.254.170.0/24", "169.254.0.0/24", "fd00:ec2::/64"].map((cidr) => ipaddr.parseCIDR(cidr));

function isMetadataIp(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (METADATA_IPS.has(address instanceof ipaddr.IPv6 ? address.toRFC5952String() : address.toString())) return true;
  return METADATA_RANGES.some(([range, bits]) => address.kind() === range.kind() && address.match(range, bits));
}
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "metadata.azure.internal",
  "metadata.platformequinix.com",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.oraclecloud.com",
  "metadata.tencentyun.com",
  "metadata.packet.net",
]);

/** Suffixes that name the local machine or a private network, never the public internet. */
const LOCAL_SUFFIXES = ["localhost", "localdomain", "local", "internal", "home.arpa", "lan", "intranet", "corp", "private"] as const;

/**
 * Public DNS names built to resolve to any address written in them (127.0.0.1.nip.io) or to
 * rebind between answers. A Worker cannot resolve DNS, so these are refused by name.
 */
const REBINDING_DOMAINS = [
  "nip.io",
  "sslip.io",
  "xip.io",
  "nip.direct",
  "localtest.me",
  "lvh.me",
  "vcap.me",
  "lacolhost.com",
  "traefik.me",
  "localh.st",
  "fuf.me",
  "1u.ms",
  "rbndr.us",
  "rebind.it",
  "rebind.network",
  "make-127-0-0-1-rr.1u.ms",
  "burpcollaborator.net",
  "oast.fun",
  "oastify.com",
] as const;

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

const v4 = (bytes: number[]): ipaddr.IPv4 => new ipaddr.IPv4(bytes);

/** IPv4 carried inside an IPv6 address by a translation or tunnelling scheme, if any. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const b = address.toByteArray();
  const range = address.range();
  const tail = (from: number) => v4(b.slice(from, from + 4));
  if (range === "ipv4Mapped" || range === "rfc6145") return tail(12);
  // NAT64: the well-known prefix 64:ff9b::/96 carries the IPv4 in its last 32 bits; the
  // local-use 64:ff9b:1::/48 is operator-defined, so it counts as private whatever it carries.
  if (range === "rfc6052") return address.parts[2] === 1 ? v4([10, 0, 0, 0]) : tail(12);
  if (range === "6to4") return tail(2); // 2002:AABB:CCDD::/48
  if (range === "teredo") return v4(b.slice(12, 16).map((x) => x ^ 0xff)); // client address, bits inverted
  // IPv4-compatible ::a.b.c.d (deprecated but still routed by some stacks).
  if (b.slice(0, 12).every((x) => x === 0) && !(b[12] === 0 && b[13] === 0 && b[14] === 0 && (b[15] ?? 0) <= 1)) return tail(12);
  return null;
}

function classifyIp(address: Ip): Exclude<DestinationClass, "local_name" | "rebinding_name" | "invalid"> {
  if (address instanceof ipaddr.IPv6) {
    if (isMetadataIp(address)) return "metadata";
    // A translated or tunnelled address is only as public as the IPv4 it carries.
    const inner = embeddedIPv4(address);
    if (inner !== null) return classifyIp(inner);
    switch (address.range()) {
      case "unicast":
        return "public";
      case "loopback":
        return "loopback";
      case "linkLocal":
        return "link_local";
      case "uniqueLocal":
        return "unique_local";
      case "multicast":
        return "multicast";
      case "unspecified":
        return "unspecified";
      default:
        return "reserved";
    }
  }
  if (isMetadataIp(address)) return "metadata";
  switch (address.range()) {
    case "unicast":
      return "public";
    case "loopback":
      return "loopback";
    case "private":
      return "private";
    case "linkLocal":
      return "link_local";
    case "carrierGradeNat":
      return "carrier_nat";
    case "multicast":
      return "multicast";
    case "unspecified":
      return "unspecified";
    case "broadcast":
      return "broadcast";
    default:
      return "reserved";
  }
}

function endsWithLabel(host: string, suffix: string): boolean {
  return host === suffix || host.endsWith(`.${suffix}`);
}

/** Classifies a canonical hostname (as produced by the URL parser) without any DNS lookup. */
export function classifyHost(hostname: string): DestinationClass {
  const host = canonicalHost(hostname.toLowerCase());
  if (host === null || host.includes("%")) return "invalid";
  if (host.startsWith("[")) {
    const inner = host.slice(1, -1);
    if (!ipaddr.IPv6.isValid(inner)) return "invalid";
    return classifyIp(ipaddr.IPv6.parse(inner));
  }
  // The URL parser already turned every IPv4 spelling (decimal, octal, hex, short) into a dotted quad.
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return classifyIp(ipaddr.IPv4.parse(host));
  // A numeric-looking last label that is not a dotted quad never reaches a public host.
  if (/^(0x[0-9a-f]*|\d+)$/i.test(host.split(".").pop() ?? "")) return "invalid";
  if (METADATA_NAMES.has(host)) return "metadata";
  if (LOCAL_SUFFIXES.some((suffix) => endsWithLabel(host, suffix))) return "local_name";
  // Single-label names resolve through search domains to internal hosts.
  if (!host.includes(".")) return "local_name";
  if (REBINDING_DOMAINS.some((d) => endsWithLabel(host, d))) return "rebinding_name";
  return "public";
}

/**
 * Checks a destination without throwing. With allowPrivate (a rule routes the host to a
 * customer pool, or ALLOW_PRIVATE_UPSTREAMS for local development), private names and
 * addresses pass, but cloud metadata, multicast, broadcast and malformed hosts never do.
 */
export function checkDestination(url: URL, options: { allowPrivate: boolean }): DestinationCheck {
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, class: "invalid" };
  if (url.username !== "" || url.password !== "") return { ok: false, class: "invalid" };
  const cls = classifyHost(url.hostname);
  if (cls === "public") return { ok: true, class: "public" };
  const neverAllowed: DestinationClass[] = ["metadata", "multicast", "broadcast", "unspecified", "invalid"];
  if (options.allowPrivate && !neverAllowed.includes(cls)) return { ok: true, class: "private_allowed" };
  return { ok: false, class: cls };
}

const CLASS_MESSAGE: Record<Exclude<DestinationClass, "public">, string> = {
  loopback: "a loopback address",
  private: "a private network address",
  link_local: "a link-local address",
  carrier_nat: "a carrier-grade NAT address",
  unique_local: "a unique-local IPv6 address",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  reserved: "a reserved address",
  metadata: "a cloud metadata endpoint",
  local_name: "a local or internal name",
  rebinding_name: "a name that resolves to arbitrary addresses",
  invalid: "not a valid public host",
};

/** Throws 403 policy_denied unless the destination is public (or allowed private, see checkDestination). */
export function assertPublicDestination(url: URL, options: { allowPrivate: boolean }): void {
  const result = checkDestination(url, options);
  if (!result.ok) {
    throw new AppError("policy_denied", `egress destination refused: ${CLASS_MESSAGE[result.class]}`, {
      details: { destination: result.class },
    });
  }
}
