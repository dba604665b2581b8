/**
 * How a source reacts to bad input. Strict (default): the first problem throws an InputError naming the file. With
 * skipBad: bad files are dropped and listed, dataset-level problems (a single class, mixed channels) still throw.
 * Collecting (used by `medft datasets inspect`): nothing throws; everything is listed.
 */
import { InputError } from '../errors.ts';
import type { BadFile } from './types.ts';

export class Problems {
  readonly skipped: BadFile[] = [];
  readonly issues: string[] = [];
  readonly warnings: string[] = [];

  constructor(readonly mode: 'strict' | 'skip' | 'collect') {}

  static from(opts: { skipBad?: boolean; collect?: boolean }): Problems {
    return new Problems(opts.collect ? 'collect' : opts.skipBad ? 'skip' : 'strict');
  }

  /** A file that cannot be used. `message` is the full sentence (it names the file). */
  badFile(file: string, problem: string, message = `${file}: ${problem}`): void {
    if (this.mode === 'strict') throw new InputError(`${message}; fix or remove it, or pass --skip-bad to skip bad files`);
    this.skipped.push({ file, problem });
  }

  /** A problem with the dataset as a whole: thrown unless collecting. */
  fatal(message: string): void {
    if (this.mode !== 'collect') throw new InputError(message);
    this.issues.push(message);
  }

  /** Worth telling, not worth stopping for. */
  warn(message: string): void {
    this.warnings.push(message);
  }
}

/** A decoder's message without its advice to pass --skip-bad: for records, and for commands that have no such flag. */
export const withoutSkipAdvice = (message: string): string => message.replace(/;[^;]*--skip-bad[^;]*$/, '');
