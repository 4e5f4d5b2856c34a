import { freePort } from '../../src/util/net.js';
import { PACKAGE_ROOT } from '../../src/util/package-root.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Synapse homeserver for the Matrix integration tests: one per test file (start it in
 * `beforeAll`, stop it in `afterAll`). It runs from the venv that scripts/setup-synapse.sh makes,
 * on a free loopback port, with SQLite and its config, logs and media in a fresh temp dir.
 * Registration is closed; users are made through the shared-secret admin API.
 */
export interface TestSynapse {
  /** Client-Server API base, e.g. `http://127.0.0.1:40123`. */
  url: string;
  serverName: string;
  /** Milliseconds from spawn until `/_matrix/client/versions` answered. */
  startMs: number;
  registerUser(localpart: string, password: string, admin?: boolean): Promise<TestMatrixUser>;
  /** Stops Synapse and starts it again on the same port and database (for reconnect tests). */
  restart(): Promise<void>;
  /** Kills the homeserver, keeping its data (an outage); `start` brings it back. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Kills this Synapse (only its own process) and removes its temp dir. */
  stop(): Promise<void>;
}

export interface TestMatrixUser {
  userId: string;
  accessToken: string;
  deviceId: string;
}

const ROOT = PACKAGE_ROOT;
export const SYNAPSE_PYTHON = join(ROOT, '.cache/synapse-venv/bin/python');
const SERVER_NAME = 'localhost';
const START_TIMEOUT_MS = 90_000;

export async function startSynapse(): Promise<TestSynapse> {
  if (!existsSync(SYNAPSE_PYTHON)) {
    throw new Error(
      `Synapse is not installed (${SYNAPSE_PYTHON} is missing): run scripts/setup-synapse.sh first`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'bb-synapse-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const secret = randomBytes(24).toString('hex');
  const configPath = join(dir, 'homeserver.yaml');
  writeFileSync(configPath, JSON.stringify(homeserverConfig(dir, port, secret), null, 2));
  writeFileSync(join(dir, 'log.config'), JSON.stringify(logConfig(dir), null, 2));

  const started = Date.now();
  let child = await run(url, configPath, dir);
  const startMs = Date.now() - started;

  return {
    url,
    serverName: SERVER_NAME,
    startMs,
    registerUser: (localpart, password, admin = false) => registerUser(url, secret, localpart, password, admin),
    async restart() {
      await kill(child);
      child = await run(url, configPath, dir);
    },
    async kill() {
      await kill(child);
    },
    async start() {
      child = await run(url, configPath, dir);
    },
    async stop() {
      await kill(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns the homeserver and resolves once it answers; kills it if it does not. */
async function run(url: string, configPath: string, dir: string): Promise<ChildProcess> {
  const child = spawn(SYNAPSE_PYTHON, ['-m', 'synapse.app.homeserver', '-c', configPath], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Should the test process die without stopping it, take this Synapse along.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.removeListener('exit', orphanGuard));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitUntilUp(url, child, () => stderr, dir);
  } catch (err) {
    await kill(child);
    throw err;
  }
  return child;
}

/** Every knob a test run needs; JSON is valid YAML, so no YAML writer is needed. */
function homeserverConfig(dir: string, port: number, secret: string): Record<string, unknown> {
  const unlimited = { per_second: 100_000, burst_count: 100_000 };
  return {
    server_name: SERVER_NAME,
    pid_file: join(dir, 'homeserver.pid'),
    listeners: [
      {
        port,
        bind_addresses: ['127.0.0.1'],
        type: 'http',
        tls: false,
        x_forwarded: false,
        resources: [{ names: ['client'], compress: false }],
      },
    ],
    database: { name: 'sqlite3', args: { database: join(dir, 'homeserver.db') } },
    log_config: join(dir, 'log.config'),
    media_store_path: join(dir, 'media'),
    signing_key_path: join(dir, 'signing.key'),
    registration_shared_secret: secret,
    macaroon_secret_key: randomBytes(24).toString('hex'),
    form_secret: randomBytes(24).toString('hex'),
    enable_registration: false,
    bcrypt_rounds: 4,
    report_stats: false,
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    presence: { enabled: true },
    rc_message: unlimited,
    rc_registration: unlimited,
    rc_registration_token_validity: unlimited,
    rc_login: { address: unlimited, account: unlimited, failed_attempts: unlimited },
    rc_admin_redaction: unlimited,
    rc_joins: { local: unlimited, remote: unlimited },
    rc_joins_per_room: unlimited,
    rc_key_requests: unlimited,
    rc_3pid_validation: unlimited,
    rc_invites: { per_room: unlimited, per_user: unlimited, per_issuer: unlimited },
    rc_third_party_invite: unlimited,
    rc_media_create: unlimited,
    rc_presence: { per_user: unlimited },
    rc_delayed_event_mgmt: unlimited,
    rc_room_creation: unlimited,
    rc_reports: unlimited,
    rc_user_directory: unlimited,
    rc_profile: unlimited,
  };
}

/** Python logging config: warnings and worse to a file in the temp dir. */
function logConfig(dir: string): Record<string, unknown> {
  return {
    version: 1,
    formatters: { precise: { format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s' } },
    handlers: {
      file: { class: 'logging.FileHandler', formatter: 'precise', filename: join(dir, 'homeserver.log'), level: 'WARNING' },
    },
    root: { level: 'WARNING', handlers: ['file'] },
    disable_existing_loggers: false,
  };
}

async function waitUntilUp(url: string, child: ChildProcess, stderr: () => string, dir: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Synapse exited (${child.exitCode ?? child.signalCode}) while starting:\n${stderr()}${logTail(dir)}`);
    }
    try {
      const res = await fetch(`${url}/_matrix/client/versions`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`Synapse did not answer on ${url} within ${START_TIMEOUT_MS / 1000} s:\n${stderr()}${logTail(dir)}`);
}

function logTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'homeserver.log'), 'utf8').slice(-4000);
  } catch {
    return '';
  }
}

/** Shared-secret registration (`/_synapse/admin/v1/register`), then a password login for a token. */
async function registerUser(
  url: string,
  secret: string,
  localpart: string,
  password: string,
  admin: boolean,
): Promise<TestMatrixUser> {
  const endpoint = `${url}/_synapse/admin/v1/register`;
  const { nonce } = (await json(await fetch(endpoint), 'register nonce')) as { nonce: string };
  const mac = createHmac('sha1', secret)
    .update([nonce, localpart, password, admin ? 'admin' : 'notadmin'].join('\0'))
    .digest('hex');
  await json(
    await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nonce, username: localpart, password, admin, mac }),
    }),
    `register ${localpart}`,
  );
  const login = (await json(
    await fetch(`${url}/_matrix/client/v3/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'm.login.password', identifier: { type: 'm.id.user', user: localpart }, password }),
    }),
    `login ${localpart}`,
  )) as { user_id: string; access_token: string; device_id: string };
  return { userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id };
}

async function json(res: Response, what: string): Promise<unknown> {
  const body = await res.text();
  if (!res.ok) throw new Error(`Synapse ${what} failed: HTTP ${res.status} ${body}`);
  return JSON.parse(body) as unknown;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}


function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
