/**
 * The PyTorch side of `medft bench --model`: Debian's python3-torch / python3-torchvision timing the same
 * architecture with the same head (global average pooling + dense) through scripts/torch_train_step.py.
 * Debian installs torch for /usr/bin/python3, which a pyenv `python3` earlier on PATH may shadow, so the
 * interpreter is found by asking each candidate to import torch.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface TorchTiming {
  python: string;
  torchVersion: string;
  threads: number;
  forwardSeconds: number[];
  stepSeconds: number[];
}

const script = fileURLToPath(new URL('../../scripts/torch_train_step.py', import.meta.url));
export const TORCH_MODELS = ['resnet50', 'densenet121', 'vgg19', 'mobilenet_v2'];

/** `preferred`: MEDFT_TORCH_PYTHON, tried first when set. */
export function findTorchPython(preferred?: string): string | null {
  const candidates = [preferred, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, torchvision'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return python;
  }
  return null;
}

export function runTorchReference(python: string, o: { model: string; size: number; batch: number; steps: number; threads: number }): TorchTiming {
  const r = spawnSync(python, [script, '--model', o.model, '--size', String(o.size), '--batch', String(o.batch),
    '--steps', String(o.steps), '--threads', String(o.threads)], { encoding: 'utf8', timeout: 3_600_000 });
  if (r.status !== 0) throw new Error(`the PyTorch reference failed: ${r.stderr.trim().split('\n').pop()}`);
  const out = JSON.parse(r.stdout) as { torch: string; threads: number; forwardSeconds: number[]; stepSeconds: number[] };
  return { python, torchVersion: out.torch, threads: out.threads, forwardSeconds: out.forwardSeconds, stepSeconds: out.stepSeconds };
}
