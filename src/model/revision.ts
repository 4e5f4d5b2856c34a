/** How many characters of a commit id bb shows (chat, mail, `bb status`, logs): one length everywhere. */
export const SHORT_REV_LENGTH = 12;

/**
 * A commit id cut to SHORT_REV_LENGTH characters; anything else (a branch, a revision number) as
 * given; `missing` when there is none.
 */
export function shortRev(rev: string | undefined, missing = '?'): string {
  if (!rev) return missing;
  return /^[0-9a-f]{13,64}$/.test(rev) ? rev.slice(0, SHORT_REV_LENGTH) : rev;
}
