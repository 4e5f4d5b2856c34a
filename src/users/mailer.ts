import type { Transporter } from 'nodemailer';
import type { SmtpConfig } from '../config/schema.js';

/** One message bb sends. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/**
 * Mail through the configured SMTP server, over a small pool of connections (the one place bb uses
 * nodemailer). STARTTLS is required unless `requireTLS: false` (the default for a loopback host);
 * certificates are verified unless `rejectUnauthorized: false`. A missing password throws here;
 * nodemailer itself loads with the first message, so a master that never mails never loads it.
 */
export function smtpMailer(smtp: SmtpConfig, env: NodeJS.ProcessEnv = process.env): Mailer {
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
      await (await transport).sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text });
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
