// A TCP relay between a client and a server, run as its own process:
//   node blackhole-relay.mjs <target host> <target port>
// prints `listening <port>` on stdout. SIGUSR1 blackholes the path: nothing is forwarded either
// way and nothing is closed (the bytes wait in the kernel's buffers, as on a link whose packets
// are dropped: the client's commands hang, unanswered, and no connection errors out); new
// connections are accepted but left unanswered. SIGUSR2 restores it: what waited goes through,
// late, as TCP retransmissions would deliver it when a cut link comes back.
import net from 'node:net';

const [host, port] = [process.argv[2], Number(process.argv[3])];
let cut = false;
const pairs = new Set();

function link(client) {
  const server = net.connect({ host, port });
  const pair = { client, server };
  pairs.add(pair);
  client.on('data', (d) => server.write(d));
  server.on('data', (d) => client.write(d));
  const end = () => {
    pairs.delete(pair);
    client.destroy();
    server.destroy();
  };
  client.on('error', end);
  server.on('error', end);
  client.on('close', end);
  server.on('close', end);
  if (cut) {
    client.pause();
    server.pause();
  }
}

const waiting = [];
const relay = net.createServer({ pauseOnConnect: true }, (client) => {
  if (cut) return void waiting.push(client);
  link(client);
  client.resume();
});
relay.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${relay.address().port}\n`));

process.on('SIGUSR1', () => {
  cut = true;
  for (const p of pairs) {
    p.client.pause();
    p.server.pause();
  }
  process.stdout.write('cut\n');
});
process.on('SIGUSR2', () => {
  cut = false;
  for (const p of pairs) {
    p.client.resume();
    p.server.resume();
  }
  for (const c of waiting.splice(0)) {
    link(c);
    c.resume();
  }
  process.stdout.write('restored\n');
});
