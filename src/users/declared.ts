import type { DeclaredPerson } from '../config/schema-users.js';
import type { Store } from '../data/store.js';
import { identitiesOf, identityField, withPreferredEmails, type Identity, type User } from '../model/user.js';
import { parseAuthor } from './author.js';

/** What merging the declared people did, for the log. */
export interface DeclaredOutcome {
  created: string[];
  updated: string[];
  /** Learned users folded into a declared person (their addresses were the person's): `old → name`. */
  folded: string[];
}

/**
 * Merges `users.people` into the stored users. The config is the source of truth for the fields
 * it names: fullName, irc nick and account, matrix id, time zone and quiet hours overwrite what a
 * change, `bb user set` or a chat claim put there; fields it leaves out keep their stored value.
 * Declared addresses come first (the first is the preferred one); addresses learned from changes
 * stay after them. An address, IRC account or Matrix id a declared person names is theirs: a user
 * learned from changes that holds it gives it up (with the author strings of that address), and
 * is removed when nothing is left of it. People dropped from the config stay as stored users.
 * Call inside withUsersLock.
 */
export async function applyDeclared(store: Store, people: readonly DeclaredPerson[], now = Date.now()): Promise<DeclaredOutcome> {
  const out: DeclaredOutcome = { created: [], updated: [], folded: [] };
  const declared = new Set(people.map((p) => p.name));
  for (const p of people) {
    const ids = declaredIds(p);
    const moved: string[] = [];
    // First take the person's identities from whoever holds them, so the write below is not refused.
    for (const id of ids) {
      const holder = await store.users.byIdentity(id);
      if (!holder || holder.name === p.name) continue;
      const left = without(holder, p, id);
      moved.push(...holder.authors.filter((a) => !left.authors.includes(a)));
      if (!declared.has(holder.name) && !identitiesOf(left).length) {
        await store.users.remove(holder.name);
        out.folded.push(`${holder.name} → ${p.name}`);
      } else await store.users.put(left);
    }
    const prev = await store.users.get(p.name);
    const base: User = prev ?? { name: p.name, emails: [], authors: [], createdAt: now };
    const next = withPreferredEmails(base, p.emails);
    for (const a of moved) if (!next.authors.includes(a)) next.authors.push(a);
    if (p.fullName !== undefined) next.fullName = p.fullName;
    if (p.irc?.nick !== undefined) next.ircNick = p.irc.nick;
    if (p.irc?.account !== undefined) next.ircAccount = p.irc.account;
    if (p.matrix !== undefined) next.matrixId = p.matrix;
    if (p.timeZone !== undefined) next.timeZone = p.timeZone;
    if (p.quietHours !== undefined) next.quietHours = p.quietHours;
    if (prev && JSON.stringify(prev) === JSON.stringify(next)) continue;
    await store.users.put(next);
    (prev ? out.updated : out.created).push(p.name);
  }
  return out;
}

function declaredIds(p: DeclaredPerson): Identity[] {
  return [
    ...p.emails.map((value) => ({ kind: 'email' as const, value })),
    ...(p.irc?.account ? [{ kind: 'irc' as const, value: p.irc.account }] : []),
    ...(p.matrix ? [{ kind: 'matrix' as const, value: p.matrix }] : []),
  ];
}

/** A copy of the holder without the person's identity (and, for an address, the author strings with it). */
function without(holder: User, p: DeclaredPerson, id: Identity): User {
  const next: User = { ...holder, emails: [...holder.emails], authors: [...holder.authors] };
  const field = identityField(id);
  if (id.kind === 'email') {
    next.emails = next.emails.filter((e) => identityField({ kind: 'email', value: e }) !== field);
    next.authors = next.authors.filter((a) => {
      const email = parseAuthor(a).email;
      return !email || !p.emails.some((e) => e.toLowerCase() === email.toLowerCase());
    });
  }
  if (id.kind === 'irc') {
    delete next.ircAccount;
    delete next.ircNick;
  }
  if (id.kind === 'matrix') delete next.matrixId;
  return next;
}

/** A `bb user` field and how people call it. */
export type DeclarableField = 'fullName' | 'emails' | 'ircNick' | 'ircAccount' | 'matrixId' | 'timeZone' | 'quietHours';
const FIELD_TEXT: Record<DeclarableField, string> = {
  fullName: 'full name',
  emails: 'addresses',
  ircNick: 'IRC nick',
  ircAccount: 'IRC account',
  matrixId: 'Matrix id',
  timeZone: 'time zone',
  quietHours: 'quiet hours',
};

/**
 * Why a hand-made change (`bb user set|link|remove`, `my timezone`, `user set` in chat) to these
 * fields of `name` is refused: the config names them for a declared person, and applying the
 * config again (restart, reconfig) would undo it. Null when nothing it touches is declared.
 */
export function declaredRefusal(people: readonly DeclaredPerson[], name: string, fields: readonly DeclarableField[] | 'remove'): string | null {
  const p = people.find((x) => x.name === name);
  if (!p) return null;
  const where = 'in the master config (users.people): change it there, then bb reconfig';
  if (fields === 'remove') return `bb user ${name} is declared ${where}`;
  const named: Record<DeclarableField, boolean> = {
    fullName: p.fullName !== undefined,
    emails: p.emails.length > 0,
    ircNick: p.irc?.nick !== undefined,
    ircAccount: p.irc?.account !== undefined,
    matrixId: p.matrix !== undefined,
    timeZone: p.timeZone !== undefined,
    quietHours: p.quietHours !== undefined,
  };
  const hit = fields.filter((f) => named[f]);
  return hit.length ? `the ${hit.map((f) => FIELD_TEXT[f]).join(', ')} of ${name} ${hit.length > 1 ? 'are' : 'is'} set ${where}` : null;
}
