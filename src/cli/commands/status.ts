import type { Command } from 'commander';
import { summary } from './table.ts';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description(summary('status'))
    .requiredOption('--queue <url>', 'redis://[:password@]host[:port][/db], or rediss://… for TLS')
    .option('--json', 'print the counts and failures as JSON')
    .addHelpText('after', `
The queue is the one 'medft run --queue' fills and 'medft worker's take cells from (docs/distributed.md).

Examples:
  medft status --queue redis://localhost:6379
  medft status --queue redis://:secret@queue-host:6379/2 --json | jq '.failed'`)
    .action(async (opts: { queue: string; json?: boolean }) => {
      const { redactUrl } = await import('../../queue/connection.ts');
      const { queueStatus } = await import('../../queue/status.ts');
      const s = await queueStatus(opts.queue);
      if (opts.json) { process.stdout.write(`${JSON.stringify(s, null, 2)}\n`); return; }
      process.stdout.write(`queue ${redactUrl(opts.queue)}: ${s.waiting} waiting, ${s.active} active, ${s.done} done, ${s.failed} failed\n`);
      if (s.running.length) process.stdout.write(`running: ${s.running.join(', ')}\n`);
      for (const f of s.failures) process.stdout.write(`failed ${f.cellId}: ${f.error}\n`);
    });
}
