import { escapeHtml } from '../../notify/html-style.js';
export const DEFAULT_MAX_MESSAGE_CHARS = 8000;
/** Synapse refuses events over 64 KiB; leave room for the rest of the event and JSON escapes. */
const MAX_CONTENT_BYTES = 48_000;

/** A notice's content as sent: plain body, and HTML only when it fits. */
export interface OutgoingNotice {
  text: string;
  html?: string;
}

/**
 * Caps a message so it stays readable and no homeserver refuses it. Plain text is cut at `max`
 * characters and marked (`moreHint` says where the rest can be read). HTML is kept only when the
 * text was not cut and both fit in the event: half an HTML document renders worse than plain text.
 */
export function capNotice(text: string, html: string | undefined, max = DEFAULT_MAX_MESSAGE_CHARS, moreHint?: string): OutgoingNotice {
  const mark = `\n… (cut: message too long${moreHint ? `; the rest: ${moreHint}` : ''})`;
  const fitted = text.length > max ? text.slice(0, Math.max(0, max - mark.length)) + mark : text;
  if (html === undefined || fitted !== text) return { text: fitted };
  if (Buffer.byteLength(html) + Buffer.byteLength(fitted) > MAX_CONTENT_BYTES) return { text: fitted };
  return { text: fitted, html };
}

/**
 * The event content for a message: `m.notice` when addressed to nobody (announcements to a room;
 * Matrix's default push rules never notify for notices); `m.text` in a DM or when `mentions` names
 * people, with `m.mentions` and, for each person, their id in the HTML as a mention pill.
 */
export function messageContent(m: OutgoingNotice, mentions: string[], direct: boolean): Record<string, unknown> {
  const who = [...new Set(mentions.filter((id) => /^@[^\s:]+:\S+$/.test(id)))];
  const content: Record<string, unknown> = { msgtype: direct || who.length ? 'm.text' : 'm.notice', body: m.text };
  if (direct || who.length) content['m.mentions'] = { user_ids: who };
  let html = m.html;
  if (who.length) {
    html ??= escapeHtml(m.text).replace(/\n/g, '<br>');
    for (const id of who) {
      const pill = `<a href="https://matrix.to/#/${escapeHtml(id)}">${escapeHtml(id)}</a>`;
      html = html.includes(escapeHtml(id)) ? html.split(escapeHtml(id)).join(pill) : `${pill}: ${html}`;
    }
  }
  if (html !== undefined) {
    content.format = 'org.matrix.custom.html';
    content.formatted_body = html;
  }
  return content;
}
