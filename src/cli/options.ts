import { Option } from 'commander';
import { BACKENDS } from '../engine/backend.ts';

/** The --backend option every command that computes shares. */
export function backendOption(): Option {
  return new Option('--backend <name>', 'TF.js backend (default: MEDFT_BACKEND, else tensorflow if installed, else wasm)').choices([
    ...BACKENDS,
  ]);
}
