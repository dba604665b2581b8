import { Option } from 'commander';
// the light door: engine/index.ts loads TF.js, and these options are built for `medft --help`
import { BACKENDS } from '../engine/backend-names.ts';
import { STEP_ENGINES } from '../engine/settings.ts';
import { UsageError } from '../errors.ts';

/** The --backend option every command that computes shares. */
export function backendOption(): Option {
  return new Option('--backend <name>', 'TF.js backend (default: MEDFT_BACKEND, else tensorflow if installed, else wasm)').choices([
    ...BACKENDS,
  ]);
}

/** The --engine option of the commands that train. */
export function engineOption(): Option {
  return new Option('--engine <name>', 'where each train step runs: native (the oneDNN addon\'s whole-step engine), tfjs (TF.js, the reference), auto (native when the addon is built; default: MEDFT_ENGINE, else auto)').choices([
    ...STEP_ENGINES,
  ]);
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

export function nonNegative(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number ≥ 0, got '${value}'`);
  return n;
}

export function unitInterval(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${flag} must be a number from 0 to 1, got '${value}'`);
  return n;
}

export function imagesOrOff(value: string, flag: string): number | 'off' {
  if (value === 'off') return 'off';
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a number of images or 'off', got '${value}'`);
  return n;
}
