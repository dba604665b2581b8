/**
 * The Redis URL every queue command takes: redis://[user][:password@]host[:port][/db], or rediss://… for TLS.
 * Every connection retries for ever (maxRetriesPerRequest null): a Redis restart pauses the run, it does not end it.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { ResourceError, UsageError } from '../errors.ts';

/** One queue for every experiment: jobs are keyed by cell id (a hash of the cell's config), so they never clash. */
export const QUEUE_NAME = 'medft-cells';

/** `waitForever` false: a command gives up after a few reconnection attempts (for one-shot commands like status). */
export function parseRedisUrl(url: string, { flag = '--queue', waitForever = true } = {}): ConnectionOptions {
  const usage = `${flag}: expected redis://[:password@]host[:port][/db] or rediss://… (TLS), got '${redactUrl(url)}'`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(usage);
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname) throw new UsageError(usage);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UsageError(`${flag}: the database after the host must be a number, got '${db}'`);
  const port = u.port ? Number(u.port) : 6379;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: db ? Number(db) : 0,
    tls: u.protocol === 'rediss:' ? { servername: u.hostname } : undefined,
    maxRetriesPerRequest: waitForever ? null : 2,
    // ioredis reconnects for ever by default; a one-shot command gives up after three tries.
    ...(waitForever ? {} : { retryStrategy: (times: number) => (times > 3 ? null : 200) }),
  };
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/** Fails in a moment, with one line, when Redis cannot be reached or refuses the password (later outages are waited out). */
export async function assertReachable(url: string): Promise<void> {
  const probe = new Queue(QUEUE_NAME, { connection: parseRedisUrl(url, { waitForever: false }) });
  // A failed SELECT (a database number the server does not have) is only an 'error' event: ioredis goes on in db 0.
  let refused: Error | null = null;
  probe.on('error', (e) => { refused ??= e; });
  try {
    await probe.getJobCounts('waiting');
    if (refused) throw refused;
  } catch (e) {
    throw new ResourceError(`cannot reach Redis at ${redactUrl(url)}: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await probe.close().catch(() => {});
  }
}
