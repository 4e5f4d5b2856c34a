import { oneLine } from '../util/safe-text.js';
import { EMAIL_RE, USER_NAME_RE } from '../model/user.js';

/** What a Change's author string says: git/hg `Full Name <email>`, or an svn/cvs user name. */
export interface ParsedAuthor {
  fullName?: string;
  email?: string;
  /** A bb user name this author suggests: the address's local part, or the plain user name. */
  suggestedName: string | null;
}

export function parseAuthor(author: string): ParsedAuthor {
  const a = oneLine(author);
  const m = /^(.*?)\s*<([^<>]*)>\s*$/.exec(a);
  if (m) {
    const fullName = m[1]!.trim();
    const email = EMAIL_RE.test(m[2]!.trim()) ? m[2]!.trim() : undefined;
    return {
      ...(fullName ? { fullName } : {}),
      ...(email ? { email } : {}),
      suggestedName: email ? nameFrom(email.split('@')[0]!) : fullName ? nameFrom(fullName) : null,
    };
  }
  if (EMAIL_RE.test(a)) return { email: a, suggestedName: nameFrom(a.split('@')[0]!) };
  return { suggestedName: nameFrom(a) };
}

/** Turns free text into a bb user name (lower-cased, other characters dropped), or null. */
function nameFrom(text: string): string | null {
  const n = text.toLowerCase().replace(/\s+/g, '.').replace(/[^a-z0-9._-]/g, '').replace(/^[._-]+/, '').slice(0, 64);
  return USER_NAME_RE.test(n) ? n : null;
}
