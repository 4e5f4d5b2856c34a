import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Deterministic JSON: object keys sorted at every level, so the master and an executor hash the
 * same bytes for the same record whatever order the fields were built in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** HMAC-SHA256 of the canonical JSON of `payload` under `secret`, hex. */
export function sign(payload: unknown, secret: string): string {
  return createHmac('sha256', secret).update(canonicalJson(payload)).digest('hex');
}

export function verify(payload: unknown, signature: unknown, secret: string): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature)) return false;
  const expected = Buffer.from(sign(payload, secret), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
