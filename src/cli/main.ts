import { Command, CommanderError } from 'commander';
import { MedftError } from '../errors.ts';
import { debugFromEnv } from '../settings.ts';
import { registerCommands } from './commands/index.ts';
import { helpCommandOf } from './help.ts';
import { MEDFT_VERSION } from '../version.ts';


// `medft … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('medft')
  .description('Compare fine-tuning strategies for ImageNet-pretrained CNNs on medical images.')
  .version(MEDFT_VERSION)
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({ outputError: () => {} });
await registerCommands(program, process.argv.slice(2));

/** Every failure ends as one line on stderr and a non-zero exit; stacks only with MEDFT_DEBUG=1. */
function fail(err: unknown): never {
  const debug = debugFromEnv();
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
      process.exit(0);
    }
    // a usage error, whatever commander's own code: exit 2 like medft's other usage errors
    process.stderr.write(`medft: ${err.message.replace(/^error: /, '')} (see '${helpCommandOf(err)}')\n`);
    process.exit(2);
  }
  if (err instanceof MedftError) {
    process.stderr.write(`medft: ${err.message}\n`);
    if (debug) process.stderr.write(`${err.stack}\n`);
    process.exit(err.exitCode);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`medft: internal error: ${e.message}\n`);
  if (debug) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write('medft: this is a bug; rerun with MEDFT_DEBUG=1 for the stack trace and report it\n');
  process.exit(70);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  fail(err);
}
