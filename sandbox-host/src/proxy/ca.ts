// Per-host MITM CA for sandbox egress: created once (key 0600), then issues short-lived leaf certificates per hostname.
//
// @peculiar/x509 is used because it builds certificates on WebCrypto, so keys are native
// ECDSA P-256 (generation and signing take milliseconds, unlike pure-JS RSA in node-forge),
// and it is typed and maintained. It needs a Reflect metadata polyfill, imported here.
import type { webcrypto as nodeWebcrypto } from "node:crypto";
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import * as x509 from "@peculiar/x509";

// Node 20 exposes WebCrypto as globalThis.crypto.
const webcrypto = globalThis.crypto;
x509.cryptoProvider.set(webcrypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const CA_CERT_FILE = "ca-cert.pem";
const CA_KEY_FILE = "ca-key.pem";
const LEAF_DAYS = 7;
const CA_YEARS = 10;
const MAX_CACHED_LEAVES = 1000;

export interface HostCa {
  /** PEM of the CA certificate: what a sandbox trusts (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS). */
  certPem: string;
  certPath: string;
  cert: x509.X509Certificate;
  privateKey: nodeWebcrypto.CryptoKey;
}

const serial = () => {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive INTEGER
  return b.toString("hex");
};

/** Loads the host's CA from `dir`, creating it (key mode 0600) on first use. */
export async function loadOrCreateCa(dir: string, hostLabel = os.hostname()): Promise<HostCa> {
  const certPath = path.join(dir, CA_CERT_FILE);
  const keyPath = path.join(dir, CA_KEY_FILE);
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
    const cert = new x509.X509Certificate(certPem);
    const der = x509.PemConverter.decodeFirst(keyPem);
    const privateKey = await webcrypto.subtle.importKey("pkcs8", der, ALG, false, ["sign"]);
    return { certPem, certPath, cert, privateKey };
  } catch (e) {
    if (!(e instanceof Error && "code" in e && e.code === "ENOENT")) throw e;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Palisade sandbox egress CA ${hostLabel.replace(/[,=+<>#;"\\]/g, "_").slice(0, 40)}, O=Palisade`,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + CA_YEARS * 365 * 86400_000),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
  const certPem = cert.toString("pem");
  // "wx": never overwrite a key another process created meanwhile; mode applies at creation.
  await writeFile(keyPath, keyPem, { mode: 0o600, flag: "wx" });
  await chmod(keyPath, 0o600);
  await writeFile(certPath, certPem, { mode: 0o644, flag: "wx" });
  return { certPem, certPath, cert, privateKey: keys.privateKey };
}

/** A DNS name or IP literal a leaf may be issued for. */
export function isValidTlsHost(host: string): boolean {
  if (isIP(host)) return true;
  return host.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/i.test(host);
}

/** Issues (and caches) leaf certificates signed by the host CA; one leaf key pair per issuer. */
export class LeafIssuer {
  readonly #ca: HostCa;
  readonly #cache = new Map<string, Promise<tls.SecureContext>>();
  #leafKeys: Promise<{ keys: nodeWebcrypto.CryptoKeyPair; keyPem: string }> | null = null;

  constructor(ca: HostCa) {
    this.#ca = ca;
  }

  /** A TLS server context presenting a certificate for `host`. */
  contextFor(host: string): Promise<tls.SecureContext> {
    const key = host.toLowerCase();
    if (!isValidTlsHost(key)) return Promise.reject(new Error("invalid TLS host name"));
    const hit = this.#cache.get(key);
    if (hit) return hit;
    if (this.#cache.size >= MAX_CACHED_LEAVES) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    const p = this.#issue(key);
    this.#cache.set(key, p);
    p.catch(() => this.#cache.delete(key));
    return p;
  }

  async #issue(host: string): Promise<tls.SecureContext> {
    this.#leafKeys ??= (async () => {
      const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
      const keyPem = x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey), "PRIVATE KEY");
      return { keys, keyPem };
    })();
    const { keys, keyPem } = await this.#leafKeys;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${host}`,
      issuer: this.#ca.cert.subject,
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + LEAF_DAYS * 86400_000),
      signingAlgorithm: ALG,
      publicKey: keys.publicKey,
      signingKey: this.#ca.privateKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: isIP(host) ? "ip" : "dns", value: host }]),
        await x509.AuthorityKeyIdentifierExtension.create(this.#ca.cert),
      ],
    });
    return tls.createSecureContext({ key: keyPem, cert: cert.toString("pem") });
  }
}
