import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Why a request's proof of origin was refused: none given (401), or a wrong one (403). */
export type Proof = 'ok' | 'missing' | 'bad';

/** HMAC-SHA256 of the raw body, hex, as GitHub and bb's generic hook sign it. */
export function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks a `sha256=<hex>` signature header (GitHub's X-Hub-Signature-256, bb's X-BB-Signature)
 * against the body, comparing in constant time.
 */
export function checkSignature(header: string | undefined, secret: string, body: Buffer): Proof {
  if (!header) return 'missing';
  const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!m) return 'bad';
  return sameDigest(Buffer.from(m[1]!.toLowerCase(), 'hex'), Buffer.from(hmacHex(secret, body), 'hex')) ? 'ok' : 'bad';
}

/**
 * Checks a shared token (GitLab's X-Gitlab-Token) in constant time: both sides are hashed first,
 * so neither the length nor a prefix of the token leaks through timing.
 */
export function checkToken(given: string | undefined, token: string): Proof {
  if (given === undefined || given === '') return 'missing';
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return sameDigest(h(given), h(token)) ? 'ok' : 'bad';
}
