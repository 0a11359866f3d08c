/**
 * What a PEM key block holds, read from its DER before OpenSSL sees it: only an RSA key container reaches
 * `node:crypto`. OpenSSL decodes whatever algorithm a container names, and some decodings are costly: a PKCS#8 DSA
 * key with a 32768-bit `p` held the event loop 8 to 15 s in `createPrivateKey` (it computes the public value
 * `g^x mod p`). Go's `x509.ParsePKCS8PrivateKey` refuses DSA outright.
 *
 * The PEM label decides first: `RSA PRIVATE KEY` and `RSA PUBLIC KEY` (PKCS#1, RFC 8017 §A.1) are RSA by
 * definition; `PRIVATE KEY` (PKCS#8, RFC 5208 §5), `PUBLIC KEY` (SPKI, RFC 5280 §4.1.2.7) and `CERTIFICATE` (the
 * SPKI of an X.509 certificate, RFC 5280 §4.1) name their algorithm in an AlgorithmIdentifier, read here by a
 * minimal DER walk (X.690 §8.1: tag, length, contents) over at most a dozen elements, each visited once: linear
 * in the block's size, and bounded. Only rsaEncryption (1.2.840.113549.1.1.1) and RSASSA-PSS
 * (1.2.840.113549.1.1.10, RFC 8017 §A.2) pass; any other key block (`EC PRIVATE KEY`, an unknown label, a DSA, DH,
 * EC or Edwards-curve algorithm, an unknown OID) is refused with the algorithm named. The bytes checked are the
 * bytes handed to OpenSSL, so the two can never read different keys from one block.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5208#section-5
 * @see https://www.rfc-editor.org/rfc/rfc5280#section-4.1
 * @see https://www.itu.int/rec/T-REC-X.690
 */
import { KeyInvalidError } from '../errors.js';
import type { PemBlock } from './pem.js';

/** How a key container is handed to `node:crypto`: its DER and which encoding it is. */
export type KeyContainer =
  | { readonly kind: 'private'; readonly type: 'pkcs8' | 'pkcs1'; readonly der: Buffer }
  | { readonly kind: 'public'; readonly type: 'spki' | 'pkcs1'; readonly der: Buffer }
  | { readonly kind: 'certificate'; readonly der: Buffer };

/**
 * Algorithms by the hex of their OID's DER contents, with how a refusal names them; `rsa` marks the two this
 * service publishes (RFC 8017 §A.1 and §A.2).
 */
const ALGORITHMS: ReadonlyMap<string, { readonly name: string; readonly key: string; readonly rsa?: true }> = new Map([
  ['2a864886f70d010101', { name: 'rsaEncryption', key: 'an RSA key', rsa: true }],
  ['2a864886f70d01010a', { name: 'RSASSA-PSS', key: 'an RSA-PSS key', rsa: true }],
  ['2a8648ce380401', { name: 'id-dsa', key: 'a DSA key' }],
  ['2a8648ce3e0201', { name: 'dhpublicnumber', key: 'a DH key' }],
  ['2a864886f70d010301', { name: 'dhKeyAgreement', key: 'a DH key' }],
  ['2a8648ce3d0201', { name: 'id-ecPublicKey', key: 'an EC key' }],
  ['2b8104010c', { name: 'id-ecDH', key: 'an EC key' }],
  ['2b8104010d', { name: 'id-ecMQV', key: 'an EC key' }],
  ['2b656e', { name: 'X25519', key: 'an X25519 key' }],
  ['2b656f', { name: 'X448', key: 'an X448 key' }],
  ['2b6570', { name: 'Ed25519', key: 'an Ed25519 key' }],
  ['2b6571', { name: 'Ed448', key: 'an Ed448 key' }],
]);

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OBJECT_IDENTIFIER = 0x06;
/** `[0] EXPLICIT Version` of a TBSCertificate, present from X.509 v2 on. */
const CERTIFICATE_VERSION = 0xa0;
/** TBSCertificate elements between the version and the SPKI: serialNumber, signature, issuer, validity, subject. */
const CERTIFICATE_FIELDS_BEFORE_SPKI = [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE] as const;

/**
 * The container of `block` when its label is a key's, ready for `node:crypto`; `undefined` for a block of another
 * kind (certificate requests, parameters), which the caller skips. Throws a {@link KeyInvalidError} for a key
 * container that is not RSA or is not well-formed; the caller handles encrypted blocks before.
 */
export function rsaKeyContainer(block: PemBlock): KeyContainer | undefined {
  const { label } = block;
  switch (label) {
    case 'RSA PRIVATE KEY':
      return { kind: 'private', type: 'pkcs1', der: derOf(block) };
    case 'RSA PUBLIC KEY':
      return { kind: 'public', type: 'pkcs1', der: derOf(block) };
    case 'PRIVATE KEY':
      return { kind: 'private', type: 'pkcs8', der: rsaOnly(block, pkcs8AlgorithmOid) };
    case 'PUBLIC KEY':
      return {
        kind: 'public',
        type: 'spki',
        der: rsaOnly(block, (walk) => spkiAlgorithmOid(walk, walk.element(0, walk.der.length, SEQUENCE))),
      };
    case 'CERTIFICATE':
      return { kind: 'certificate', der: rsaOnly(block, certificateAlgorithmOid) };
  }
  if (label.endsWith('PRIVATE KEY') || label.endsWith('PUBLIC KEY')) {
    throw new KeyInvalidError(`not an RSA key: a PEM ${label} block is not read; only RSA keys are published (rfc7518.kty-rsa)`);
  }
  return undefined;
}

/**
 * The DER of a block: its body must be plain base64 (RFC 7468 §3, whitespace between lines allowed). Node's
 * decoder skips characters it does not know, where OpenSSL's refuses them: checking first keeps what is read
 * here and what OpenSSL reads the same bytes.
 */
function derOf({ label, body }: PemBlock): Buffer {
  const base64 = body.replace(/\s+/g, '');
  if (base64.length === 0 || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new KeyInvalidError(`unparseable PEM ${label} (its body is not base64)`);
  }
  return Buffer.from(base64, 'base64');
}

/**
 * The DER of `block` once `algorithmOid` found an RSA algorithm in it. Throws a {@link KeyInvalidError} naming
 * the algorithm (`not an RSA key: PRIVATE KEY holds a DSA key (id-dsa, OID 1.2.840.10040.4.1); …`), or the
 * first malformed element.
 */
function rsaOnly(block: PemBlock, algorithmOid: (walk: DerWalk) => Buffer): Buffer {
  const der = derOf(block);
  const oid = algorithmOid(new DerWalk(der, block.label));
  const known = ALGORITHMS.get(oid.toString('hex'));
  if (known?.rsa === true) return der;
  const what = known === undefined ? `a key of algorithm OID ${oidText(oid)}` : `${known.key} (${known.name}, OID ${oidText(oid)})`;
  throw new KeyInvalidError(`not an RSA key: ${block.label} holds ${what}; only RSA keys are published (rfc7518.kty-rsa)`);
}

/** One DER element: its tag and where its contents lie. */
interface Element {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** Largest length-of-length read: four octets give contents up to 4 GiB, far above any key file's cap. */
const MAX_LENGTH_OCTETS = 4;

/** Reads elements of one block's DER; a malformed one refuses the block, naming its label and the offset. */
class DerWalk {
  readonly der: Buffer;
  readonly #label: string;

  constructor(der: Buffer, label: string) {
    this.der = der;
    this.#label = label;
  }

  /**
   * The element at `at`, which must lie within `limit` and carry `tag`. Definite lengths only (DER, X.690
   * §10.1), low tag numbers only: every element on the path to an AlgorithmIdentifier has one.
   */
  element(at: number, limit: number, tag: number): Element {
    const { der } = this;
    const malformed = (what: string): KeyInvalidError =>
      new KeyInvalidError(`unparseable PEM ${this.#label} (malformed DER: ${what} at byte ${at})`);
    if (at + 2 > limit) throw malformed('truncated element');
    const found = der[at] ?? 0;
    if (found !== tag) throw malformed(`tag 0x${found.toString(16)} where 0x${tag.toString(16)} belongs`);
    let length = der[at + 1] ?? 0;
    let start = at + 2;
    if (length >= 0x80) {
      const octets = length - 0x80;
      if (octets === 0 || octets > MAX_LENGTH_OCTETS || start + octets > limit) throw malformed('invalid length');
      length = 0;
      for (let index = 0; index < octets; index += 1) length = length * 256 + (der[start + index] ?? 0);
      start += octets;
    }
    if (start + length > limit) throw malformed('length past its container');
    return { tag: found, start, end: start + length };
  }
}

/** The algorithm OID of an AlgorithmIdentifier (`SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY }`). */
function algorithmOid(walk: DerWalk, at: number, limit: number): Buffer {
  const identifier = walk.element(at, limit, SEQUENCE);
  const oid = walk.element(identifier.start, identifier.end, OBJECT_IDENTIFIER);
  return walk.der.subarray(oid.start, oid.end);
}

/** SubjectPublicKeyInfo: `SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }`. */
function spkiAlgorithmOid(walk: DerWalk, spki: Element): Buffer {
  return algorithmOid(walk, spki.start, spki.end);
}

/** PrivateKeyInfo: `SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, … }`. */
function pkcs8AlgorithmOid(walk: DerWalk): Buffer {
  const info = walk.element(0, walk.der.length, SEQUENCE);
  const version = walk.element(info.start, info.end, INTEGER);
  return algorithmOid(walk, version.end, info.end);
}

/** Certificate: `SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, …five fields…, subjectPublicKeyInfo, … }, … }`. */
function certificateAlgorithmOid(walk: DerWalk): Buffer {
  const certificate = walk.element(0, walk.der.length, SEQUENCE);
  const tbs = walk.element(certificate.start, certificate.end, SEQUENCE);
  let at = tbs.start;
  if (walk.der[at] === CERTIFICATE_VERSION) at = walk.element(at, tbs.end, CERTIFICATE_VERSION).end;
  for (const tag of CERTIFICATE_FIELDS_BEFORE_SPKI) at = walk.element(at, tbs.end, tag).end;
  return spkiAlgorithmOid(walk, walk.element(at, tbs.end, SEQUENCE));
}

/** Longest OID shown arc by arc; real ones have a dozen bytes. */
const MAX_OID_BYTES_SHOWN = 32;

/** An OID in dotted form (X.690 §8.19: base-128 arcs, the first two combined), e.g. `1.2.840.10040.4.1`. */
function oidText(oid: Buffer): string {
  if (oid.length === 0 || oid.length > MAX_OID_BYTES_SHOWN) return `of ${oid.length} bytes`;
  const arcs: number[] = [];
  let value = 0;
  for (const byte of oid) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) return `0x${oid.toString('hex')}`;
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs[0] ?? 0;
  const root = Math.min(2, Math.floor(first / 40));
  return [root, first - 40 * root, ...arcs.slice(1)].join('.');
}
