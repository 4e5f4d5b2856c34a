import type { Logger } from '../log.js';
import { KeyedMutex } from '../util/mutex.js';
import type { CommandRouter } from './router.js';
import type { ChatTransport } from './transport.js';

/**
 * Connects a transport to the router: each message is routed and its reply sent where it came
 * from, addressed to the person who asked (a Matrix mention, which notifies them). Messages of
 * one conversation are answered in the order they were said. The bot answers
 * to its own name and to the transport's (an IRC nick that differs from it).
 */
export function attachRouter(transport: ChatTransport, router: Pick<CommandRouter, 'handle'>, log: Logger): void {
  const order = new KeyedMutex();
  transport.onMessage((message) => {
    const conversation = `${message.isDirect ? 'dm' : 'ch'}:${message.replyTo}`;
    void order
      .run(conversation, async () => {
        const reply = await router.handle(message, transport.botName);
        if (!reply || !reply.lines.length) return;
        const text = reply.lines.join('\n');
        // A reply is addressed to the person who asked: on Matrix they are mentioned (and notified).
        const opts = { ...(reply.html ? { html: reply.html } : {}), ...(reply.moreHint ? { moreHint: reply.moreHint } : {}), mentions: [message.sender] };
        if (message.isDirect) await transport.sendDirect(message.replyTo, text, opts);
        else await transport.send(message.replyTo, text, opts);
      })
      .catch((err) => log.error({ err, transport: transport.kind }, 'chat reply failed'));
  });
}
