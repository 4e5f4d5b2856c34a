import { freePort } from '../../src/util/net.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRawClient } from './irc-raw.js';

/**
 * A real IRC network for tests: InspIRCd 3 (Debian `inspircd`) with Atheme services
 * (`atheme-services`) linked over spanningtree for accounts and SASL, on free loopback ports,
 * with config, logs and the services database in a fresh temp dir.
 */
export interface IrcdOptions {
  /**
   * Keep InspIRCd's default flood protection in the client connect class: fakelag on, penalty
   * threshold 10, one command per second, 10 KB receive queue ("RecvQ exceeded" quits a flooder).
   * Default false: no limits, so tests run at full speed.
   */
  floodProtection?: boolean;
  /** Also listen with TLS on `tlsPort`, using a fresh self-signed certificate for 127.0.0.1/localhost. Default false. */
  tls?: boolean;
  /**
   * NickServ offers REGAIN (Atheme's nickserv/enforce, as Libera.Chat's services do). Default true;
   * false leaves GHOST alone to free a nick for its owner, as on networks without REGAIN.
   */
  regain?: boolean;
}

export interface TestIrcd {
  host: string;
  port: number;
  /** TLS port (with `tls: true`), and the PEM file that signs its certificate. */
  tlsPort?: number;
  caFile?: string;
  dir: string;
  /** An IRC operator block: `OPER <name> <password>` (for SETIDLE). */
  oper: { name: string; password: string };
  /** Whether InspIRCd loaded m_setidle (oper `SETIDLE <seconds>`). */
  hasSetIdle: boolean;
  /** Registers a services account by a client that talks to NickServ (`REGISTER`), then quits. */
  registerAccount(name: string, password: string, email?: string): Promise<void>;
  /** SIGKILLs the IRC server (a crash); services keep running and relink on `start`. */
  kill(): Promise<void>;
  /** Starts the IRC server again on the same ports and waits until services have relinked. */
  start(): Promise<void>;
  /** `kill` then `start`. */
  restart(): Promise<void>;
  /** Stops the server and services (only the processes this harness started) and removes the dir. */
  stop(): Promise<void>;
}

export { freePort };

const SERVER = 'irc.test';
const SERVICES = 'services.test';
const READY_TIMEOUT_MS = 15_000;
const started = new Set<ChildProcess>();
const HAS_SETIDLE = existsSync('/usr/lib/inspircd/modules/m_setidle.so');

export async function startIrcd(opts: IrcdOptions = {}): Promise<TestIrcd> {
  const dir = mkdtempSync(join(tmpdir(), 'bb-ircd-'));
  const [port, linkPort, tlsPort] = await Promise.all([freePort(), freePort(), opts.tls ? freePort() : Promise.resolve(undefined)]);
  const linkPassword = randomBytes(8).toString('hex');
  const oper = { name: 'bbadmin', password: randomBytes(8).toString('hex') };
  let caFile: string | undefined;
  if (tlsPort) caFile = makeCertificate(dir);
  const conf = join(dir, 'inspircd.conf');
  writeFileSync(conf, inspircdConfig({ dir, port, linkPort, linkPassword, oper, floodProtection: !!opts.floodProtection, tlsPort }));
  writeFileSync(join(dir, 'atheme.conf'), athemeConfig({ linkPort, linkPassword, regain: opts.regain !== false }));

  let ircd: ChildProcess | undefined;
  const startIrcdProcess = async () => {
    ircd = launch('inspircd', ['--nofork', '--runasroot', `--config=${conf}`], join(dir, 'inspircd.out'));
    await waitUntilLinked(port, ircd);
  };
  // Services first connect to the server's link port, so the server goes first.
  ircd = launch('inspircd', ['--nofork', '--runasroot', `--config=${conf}`], join(dir, 'inspircd.out'));
  const services = launch(
    'atheme-services',
    ['-n', '-c', join(dir, 'atheme.conf'), '-D', dir, '-l', join(dir, 'atheme.log'), '-p', join(dir, 'atheme.pid')],
    join(dir, 'atheme.out'),
  );
  try {
    await waitUntilLinked(port, ircd);
  } catch (err) {
    await Promise.all([terminate(ircd), terminate(services)]);
    throw err;
  }

  const handle: TestIrcd = {
    host: '127.0.0.1',
    port,
    ...(tlsPort ? { tlsPort } : {}),
    ...(caFile ? { caFile } : {}),
    dir,
    oper,
    hasSetIdle: HAS_SETIDLE,
    async registerAccount(name, password, email = `${name}@example.org`) {
      const raw = await openRawClient({ host: '127.0.0.1', port, nick: name });
      try {
        raw.send(`PRIVMSG NickServ :REGISTER ${password} ${email}`);
        const reply = await raw.waitLine(/ NOTICE \S+ :.*(registered|already|invalid|not|cannot)/i, 10_000);
        if (!/is now registered/i.test(reply)) throw new Error(`NickServ did not register ${name}: ${reply}`);
      } finally {
        await raw.quit();
      }
    },
    async kill() {
      await terminate(ircd, 'SIGKILL');
    },
    start: startIrcdProcess,
    async restart() {
      await terminate(ircd, 'SIGKILL');
      await startIrcdProcess();
    },
    async stop() {
      await Promise.all([terminate(ircd), terminate(services)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** Starts a process whose output goes to `outFile`, and remembers it as ours. */
function launch(cmd: string, args: string[], outFile: string): ChildProcess {
  const out = openSync(outFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out] });
  closeSync(out);
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Stops one process this harness started: `signal`, then SIGKILL after 3 s. */
async function terminate(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Ready when the client port answers `CAP LS` with `sasl`: InspIRCd offers SASL only while the
 * services server it points at is linked.
 */
async function waitUntilLinked(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'not started';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`inspircd exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    last = await capLs(port).catch((err: Error) => err.message);
    if (/\bsasl\b/.test(last)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`IRC server on port ${port} not ready with services linked after ${READY_TIMEOUT_MS} ms (last: ${last})`);
}

function capLs(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no CAP LS reply'));
    }, 2000);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => socket.write('CAP LS 302\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const line = data.split('\r\n').find((l) => / CAP \S+ LS /.test(l));
      if (line) {
        clearTimeout(timer);
        socket.destroy();
        resolve(line);
      }
    });
  });
}


/** A self-signed certificate for 127.0.0.1 and localhost; returns the PEM file clients trust. */
function makeCertificate(dir: string): string {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
    '-subj', `/CN=${SERVER}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return join(dir, 'cert.pem');
}

interface InspircdConfig {
  dir: string;
  port: number;
  linkPort: number;
  linkPassword: string;
  oper: { name: string; password: string };
  floodProtection: boolean;
  tlsPort?: number;
}

function inspircdConfig(c: InspircdConfig): string {
  const modules = [
    'cap', 'ircv3', 'ircv3_accounttag', 'services_account', 'sasl', 'ircv3_servertime', 'ircv3_echomessage',
    'ircv3_batch', 'ircv3_capnotify', 'ircv3_ctctags', 'ircv3_msgid', 'ircv3_labeledresponse', 'monitor',
    'botmode', ...(HAS_SETIDLE ? ['setidle'] : []), 'spanningtree', ...(c.tlsPort ? ['ssl_gnutls'] : []),
  ];
  // Without flood protection the limits are raised out of reach; with it, InspIRCd's defaults apply.
  const flood = c.floodProtection ? '' : ' fakelag="no" threshold="100000" commandrate="10000000" recvq="1M"';
  return [
    `<server name="${SERVER}" description="bb test server" network="bbtest">`,
    `<admin name="bb tests" nick="bbadmin" email="bb@${SERVER}">`,
    ...modules.map((m) => `<module name="${m}">`),
    `<bind address="127.0.0.1" port="${c.port}" type="clients">`,
    ...(c.tlsPort
      ? [
          `<sslprofile name="bbtls" provider="gnutls" certfile="${join(c.dir, 'cert.pem')}" keyfile="${join(c.dir, 'key.pem')}" dhfile="" hash="sha256">`,
          `<bind address="127.0.0.1" port="${c.tlsPort}" type="clients" sslprofile="bbtls">`,
        ]
      : []),
    `<bind address="127.0.0.1" port="${c.linkPort}" type="servers">`,
    `<connect name="main" allow="*" timeout="60" pingfreq="120" localmax="1000" globalmax="1000" resolvehostnames="no" useident="no"${flood}>`,
    '<class name="Shell" commands="*" privs="*" usermodes="*" chanmodes="*">',
    '<type name="NetAdmin" classes="Shell">',
    `<oper name="${c.oper.name}" password="${c.oper.password}" host="*@*" type="NetAdmin">`,
    `<pid file="${join(c.dir, 'inspircd.pid')}">`,
    `<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${join(c.dir, 'inspircd.log')}">`,
    '<dns server="127.0.0.1" timeout="1">',
    '<performance nouserdns="yes">',
    `<sasl target="${SERVICES}" requiressl="no">`,
    `<link name="${SERVICES}" ipaddr="127.0.0.1" port="${c.linkPort}" allowmask="127.0.0.1/32" sendpass="${c.linkPassword}" recvpass="${c.linkPassword}">`,
    `<uline server="${SERVICES}" silent="yes">`,
    '',
  ].join('\n');
}

function athemeConfig(c: { linkPort: number; linkPassword: string; regain: boolean }): string {
  const modules = [
    'protocol/inspircd', 'backend/opensex', 'crypto/pbkdf2v2', 'nickserv/main', 'nickserv/identify',
    'nickserv/register', 'nickserv/ghost', ...(c.regain ? ['nickserv/enforce'] : []), 'saslserv/main', 'saslserv/plain',
  ];
  return `${modules.map((m) => `loadmodule "modules/${m}";`).join('\n')}
serverinfo {
  name = "${SERVICES}"; desc = "bb test services"; numeric = "00A"; recontime = 1;
  netname = "bbtest"; hidehostsuffix = "users.bbtest"; adminname = "bb tests"; adminemail = "bb@${SERVER}";
  registeremail = "bb@${SERVER}"; mta = "/bin/true"; loglevel = { error; info; admin; network; };
  maxlogins = 5; maxusers = 1000; auth = none; casemapping = rfc1459;
};
uplink "${SERVER}" { host = "127.0.0.1"; password = "${c.linkPassword}"; port = ${c.linkPort}; };
nickserv { nick = "NickServ"; user = "NickServ"; host = "${SERVICES}"; real = "Nickname Services"; };
saslserv { nick = "SaslServ"; user = "SaslServ"; host = "${SERVICES}"; real = "SASL Agent"; };
general { commit_interval = 1; ratelimit_uses = 1000; ratelimit_period = 1; flood_msgs = 1000; flood_time = 1; };
`;
}

function killAll(): void {
  for (const child of started) child.kill('SIGKILL');
}
process.once('exit', killAll);
