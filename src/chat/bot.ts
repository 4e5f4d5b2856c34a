import type { Logger } from '../log.js';
import type { CommandRouter } from './router.js';
import type { ChatTransport } from './transport.js';

/** Connects transports to the router: each message is routed and its reply sent where it came from. */
export function attachRouter(transport: ChatTransport, router: CommandRouter, log: Logger): void {
  transport.onMessage((message) => {
    void router
      .handle(message)
      .then(async (reply) => {
        if (!reply || !reply.lines.length) return;
        const text = reply.lines.join('\n');
        const opts = reply.html ? { html: reply.html } : {};
        if (message.isDirect) await transport.sendDirect(message.replyTo, text, opts);
        else await transport.send(message.replyTo, text, opts);
      })
      .catch((err) => log.error({ err, transport: transport.kind }, 'chat reply failed'));
  });
}
