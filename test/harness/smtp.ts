import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { waitFor } from './bb.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The AUTH user the client logged in as, if any. */
  user?: string;
  /** Whether the session was upgraded with STARTTLS before the message. */
  secure: boolean;
  /** The Message-ID header, as mailparser read it (`<…@…>`). */
  messageId?: string;
}

export const SMTP_USER = 'bb-mailer';
export const SMTP_PASS = 'smtp-password-0123456789';

/**
 * A real SMTP server on loopback (smtp-server): STARTTLS with its built-in self-signed
 * certificate, AUTH PLAIN/LOGIN required (SMTP_USER / SMTP_PASS), every message parsed with
 * mailparser and kept in `messages`.
 */
/** bb's `users.smtp` settings for a test SMTP server on loopback `port`, logging in as the test account. */
export function smtpSettings(port: number, from = 'bb <bb@example.org>') {
  return { host: '127.0.0.1', port, rejectUnauthorized: false, auth: { user: SMTP_USER, pass: { value: SMTP_PASS } }, from };
}

export class TestSmtp {
  readonly messages: ReceivedMail[] = [];
  /**
   * Called with each message once it is kept and before the server answers 250: what a test does
   * here (kill the sender) happens between the server taking the mail and the client learning it.
   */
  beforeAnswer?: (mail: ReceivedMail) => Promise<void>;
  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  /** On `port` (default: any free one). */
  static async start(port = 0): Promise<TestSmtp> {
    const messages: ReceivedMail[] = [];
    let smtp: TestSmtp | undefined;
    const server = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      size: 1024 * 1024,
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASS) cb(null, { user: auth.username });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        simpleParser(stream)
          .then(async (mail) => {
            const got: ReceivedMail = {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              ...(typeof session.user === 'string' ? { user: session.user } : {}),
              secure: session.secure,
              ...(mail.messageId ? { messageId: mail.messageId } : {}),
            };
            messages.push(got);
            await smtp?.beforeAnswer?.(got);
            cb();
          })
          .catch((err: Error) => cb(err));
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    const bound = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
    smtp = new TestSmtp(server, bound);
    (smtp as { messages: ReceivedMail[] }).messages = messages;
    return smtp;
  }

  /** The first message to `to` after the first `skip` of them. */
  mailTo(to: string, skip = 0): Promise<ReceivedMail> {
    return waitFor(`mail to ${to}`, () => this.messages.filter((m) => m.to.includes(to))[skip] ?? null, 15_000);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
