// A throwaway certificate authority for the loopback lab and `voipprobe demo`: the lab's TLS
// servers present certificates for the real service names (web.whatsapp.com...) signed by this CA,
// and the probe trusts it through --ca-file. ECDSA P-256 through WebCrypto keeps issuing fast.

import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';

// @peculiar/x509 builds on tsyringe, which refuses to load without the Reflect metadata API
// (normally the `reflect-metadata` package, not a dependency here). tsyringe only stores and reads
// per-class metadata, so this is the small part of that API it needs; a real polyfill, if one was
// loaded first, is left alone. It must run before the library is evaluated, hence the dynamic import.
type MetadataMap = Map<unknown, unknown>;

declare global {
  namespace Reflect {
    function defineMetadata(key: unknown, value: unknown, target: object): void;
    function getOwnMetadata(key: unknown, target: object): unknown;
    function getMetadata(key: unknown, target: object): unknown;
    function metadata(key: unknown, value: unknown): (target: object) => void;
  }
}

function installReflectMetadata(): void {
  if (typeof Reflect.getMetadata === 'function') return;
  const store = new WeakMap<object, MetadataMap>();
  const own = (target: object): MetadataMap => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    return m;
  };
  Reflect.defineMetadata = (key, value, target) => void own(target).set(key, value);
  Reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  Reflect.getMetadata = (key, target) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
      const m = store.get(t);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
  Reflect.metadata = (key, value) => (target) => Reflect.defineMetadata(key, value, target);
}

installReflectMetadata();
const x509: typeof X509 = await import('@peculiar/x509');

const crypto = webcrypto as unknown as Crypto;
const EC_KEY: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

export interface LabCa {
  /** PEM of the CA certificate: write it to a file for --ca-file. */
  certPem: string;
  /** PEM (PKCS#8) of the CA key. */
  keyPem: string;
  readonly cert: X509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

export interface IssuedCert {
  /** Leaf followed by the CA, as a server sends its chain. */
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  /** DNS names (subjectAltName dNSName); the first one is also the subject CN. */
  names: string[];
  /** IP addresses (subjectAltName iPAddress). */
  ips: string[];
  /** Defaults: one hour ago (tolerates clock skew) and 30 days later. Set them to issue an expired certificate. */
  notBefore?: Date;
  notAfter?: Date;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function generateKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify']);
}

/** A self-signed CA, or with `parent` an intermediate CA it signs (for chains of any length). */
export async function createLabCa(commonName = 'voipprobe lab CA', parent?: LabCa): Promise<LabCa> {
  const keys = await generateKeys();
  const now = Date.now();
  const common = {
    signingAlgorithm: SIGNING,
    notBefore: new Date(now - 3_600_000),
    notAfter: new Date(now + 365 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, parent ? undefined : 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  };
  const cert = parent
    ? await x509.X509CertificateGenerator.create(
        {
          ...common,
          subject: `CN=${commonName}`,
          issuer: parent.cert.subject,
          publicKey: keys.publicKey,
          signingKey: parent.keys.privateKey,
        },
        crypto,
      )
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: `CN=${commonName}`, keys }, crypto);
  return { certPem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey), cert, keys };
}

export async function issueCert(ca: LabCa, o: IssueOptions): Promise<IssuedCert> {
  if (o.names.length === 0 && o.ips.length === 0) throw new TypeError('a certificate needs at least one name or IP');
  for (const ip of o.ips) if (!isIP(ip)) throw new TypeError(`not an IP address: ${ip}`);
  const keys = await generateKeys();
  const now = Date.now();
  const sans: X509.JsonGeneralName[] = [
    ...o.names.map((value) => ({ type: 'dns' as const, value })),
    ...o.ips.map((value) => ({ type: 'ip' as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${o.names[0] ?? o.ips[0]}`,
      issuer: ca.cert.subject,
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: SIGNING,
      notBefore: o.notBefore ?? new Date(now - 3_600_000),
      notAfter: o.notAfter ?? new Date(now + 30 * DAY_MS),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(sans),
        await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: `${cert.toString('pem')}\n${ca.certPem}`, keyPem: await keyPem(keys.privateKey) };
}

/**
 * A self-signed certificate of about `bytes` bytes (an opaque non-critical extension fills it): what
 * a server with an absurd chain sends after its real one. Nothing can validate through it.
 */
export async function paddingCertificate(bytes: number): Promise<string> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=voipprobe lab padding',
      keys,
      signingAlgorithm: SIGNING,
      notBefore: new Date(now - 3_600_000),
      notAfter: new Date(now + 30 * DAY_MS),
      // An OID under the "example" private enterprise arc (RFC 5612): never a real extension.
      extensions: [new x509.Extension('1.3.6.1.4.1.32473.1', false, new Uint8Array(bytes).fill(0x61))],
    },
    crypto,
  );
  return cert.toString('pem');
}
