import { createHash } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { SmtpConfig } from '../config/schema.js';

/** One message bb sends. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  /**
   * The message's durable id (a reminder's `hassle:<problem>:<marker>`, a tiers line's): its
   * Message-ID is derived from it, so the same mail sent again (a new leader resending what the old
   * one mailed but had not recorded) is recognisably the same message. Without it, a fresh one.
   */
  id?: string;
}

/**
 * The Message-ID of a mail with a durable id: a digest of the id, the recipient, the deployment
 * (`scope`: the Redis prefix) and the sender, at the sender's domain. The same inputs always give
 * the same header; any other mail (another reminder, another person, another bb) a different one.
 */
export function messageIdFor(id: string, to: string, from: string, scope = ''): string {
  const digest = createHash('sha256').update(JSON.stringify([scope, from, id, to.toLowerCase()])).digest('hex').slice(0, 40);
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'bb.invalid';
  return `<bb.${digest}@${domain}>`;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/**
 * Mail through the configured SMTP server, over a small pool of connections (the one place bb uses
 * nodemailer). STARTTLS is required unless `requireTLS: false` (the default for a loopback host);
 * certificates are verified unless `rejectUnauthorized: false`. A mail with an `id` gets the
 * Message-ID `messageIdFor` derives (`scope`: the Redis prefix). A missing password throws here;
 * nodemailer itself loads with the first message, so a master that never mails never loads it.
 */
export function smtpMailer(smtp: SmtpConfig, env: NodeJS.ProcessEnv = process.env, scope = ''): Mailer {
  const options = {
    pool: true,
    maxConnections: 2,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTLS,
    tls: { rejectUnauthorized: smtp.rejectUnauthorized },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: secretValue(smtp.auth.pass, env) } } : {}),
  };
  let transport: Promise<Transporter> | undefined;
  let closed = false;
  return {
    async send(mail) {
      if (closed) throw new Error('the mailer is closed');
      transport ??= import('nodemailer').then((m) => m.default.createTransport(options));
      await (await transport).sendMail({
        from: smtp.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.id ? { messageId: messageIdFor(mail.id, mail.to, smtp.from, scope) } : {}),
      });
    },
    close() {
      closed = true;
      void transport?.then((t) => t.close(), () => undefined);
    },
  };
}

function secretValue(ref: { value?: string | undefined; env?: string | undefined }, env: NodeJS.ProcessEnv): string {
  if (ref.value !== undefined) return ref.value;
  const v = ref.env ? env[ref.env]?.trim() : undefined;
  if (!v) throw new Error(`users.smtp.auth.pass: ${ref.env ? `the environment variable ${ref.env} is not set` : 'give value or env'}`);
  return v;
}
