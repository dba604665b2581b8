/**
 * A private redis-server for the queue tests: a free 127.0.0.1 port (random, so test files running at once get their
 * own), a temp folder, append-only file on (so it can be stopped and started again with its data), optionally a
 * password. Absent redis-server: `redisMissing` says why the tests skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const redisMissing: string | false = spawnSync('redis-server', ['--version']).error || spawnSync('redis-cli', ['--version']).error
  ? 'redis-server (with redis-cli) is not installed (apt-get install redis-server): the queue tests skip'
  : false;

/**
 * A free port below the kernel's ephemeral range. A port from listen(0) lies inside that range, and while a test has
 * its server stopped (to restart it on the same port) any outgoing connection on the machine, such as a client
 * retrying this very server, may be handed that port as its local end and keep the server from coming back.
 */
async function freePort(): Promise<number> {
  const low = 10_000;
  const high = ephemeralFrom() - 1;
  for (let tries = 0; tries < 100; tries++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${low} and ${high} for redis-server`);
}

/** The first port of Linux's ephemeral range; its usual default where that cannot be read. */
function ephemeralFrom(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 11_000) return first;
  } catch {
    // not Linux
  }
  return 32_768;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export class RedisServer {
  private proc: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'medft-redis-'));

  private constructor(readonly port: number, readonly password: string | null) {}

  static async start(password: string | null = null): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), password);
    await r.restart();
    return r;
  }

  /** The URL clients use (database `db`, one per test, keeps their queues apart). */
  url(db = 0): string {
    return `redis://${this.password ? `:${encodeURIComponent(this.password)}@` : ''}127.0.0.1:${this.port}/${db}`;
  }

  private cli(...args: string[]) {
    return spawnSync('redis-cli', ['-p', String(this.port), ...(this.password ? ['-a', this.password, '--no-auth-warning'] : []), ...args], { encoding: 'utf8' });
  }

  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no'];
    if (this.password) args.push('--requirepass', this.password);
    this.proc = spawn('redis-server', args, { stdio: 'ignore' });
    const t0 = Date.now();
    const proc = this.proc;
    while (this.cli('ping').stdout.trim() !== 'PONG') {
      if (proc.exitCode != null) {
        throw new Error(`redis-server on port ${this.port} exited (${proc.exitCode}) before answering`);
      }
      if (Date.now() - t0 > 10_000) throw new Error(`redis-server did not answer on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM: redis flushes its append-only file and exits, as on a service restart. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode != null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    this.proc = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
