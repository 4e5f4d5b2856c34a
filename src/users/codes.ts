import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

// No 0/O, 1/I/L: a code read from a mail and typed into chat.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 8;

/** A one-time code: 8 characters from a 31-letter alphabet (about 40 bits), from the CSPRNG. */
export function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/** What is stored instead of the code: HMAC-SHA256 keyed by a per-claim salt. */
export function hashCode(code: string, salt: string): string {
  return createHmac('sha256', salt).update(normalizeCode(code)).digest('hex');
}

export function codeMatches(code: string, salt: string, hash: string): boolean {
  const a = Buffer.from(hashCode(code, salt), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** People type codes in any case and with stray spaces or dashes. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}
