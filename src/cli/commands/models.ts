import type { Command } from 'commander';
import type { ModelInfo } from '../../models/index.ts';
import { summary } from './table.ts';

const n = (x: number) => x.toLocaleString('en-US');

function preprocessText(p: ModelInfo['preprocess']): string {
  const std = p.std.every((s) => s === 1) ? '' : ` ÷ [${p.std.join(', ')}]`;
  const scale = p.scale === 1 ? 'x' : `x·${p.scale === 1 / 255 ? '1/255' : p.scale === 1 / 127.5 ? '1/127.5' : p.scale}`;
  return `${p.channelOrder}, (${scale} − [${p.mean.join(', ')}])${std}`;
}

function printText(m: ModelInfo): void {
  const lines = [
    `${m.name}  —  ${m.description}`,
    `  params        ${m.configs.map((c) => `${n(c.params)} (${c.label})`).join(' · ')}`,
    `  input         ${m.inputSize}×${m.inputSize}${m.alphas ? ` · alpha ${m.alphas.join(', ')}` : ''}`,
    `  preprocess    ${preprocessText(m.preprocess)}`,
    `  blocks        ${m.blocks.join(', ')}`,
    `  weights       ${m.weightSources.length === 0 ? 'none (random initialisation only)' : ''}`,
    ...m.weightSources.map(
      (w, i) => `    ${i + 1}. ${w.kind} ${w.format}${w.includesTop ? ' (with top)' : ' (no top)'}: ${w.location}${w.note ? ` — ${w.note}` : ''}`,
    ),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerModels(program: Command): void {
  program
    .command('models')
    .description(summary('models'))
    .option('--json', 'print one JSON array instead of text')
    .addHelpText('after', `
Parameter counts are those of the built models in their reference configurations (they equal Keras' counts).
With 'medft finetune --weights imagenet' (the default where a model has weights), the weight sources listed under each model are tried
in order, and the first one found is loaded; MEDFT_WEIGHTS_DIR and MEDFT_CACHE_DIR are the folders searched.

Examples:
  medft models
  medft models --json | jq '.[] | {name, configs}'`)
    .action(async (opts: { json?: boolean }) => {
      const { DEFAULT_ENGINE_SETTINGS, initEngine } = await import('../../engine/index.ts');
      const { describeModel, modelNames } = await import('../../models/index.ts');
      const { pathsFromEnv } = await import('../../settings.ts');
      const paths = pathsFromEnv();
      // Listing needs no compute: the cpu backend builds the models without touching the wasm heap.
      await initEngine({ ...DEFAULT_ENGINE_SETTINGS, backend: 'cpu' });
      // Each model is printed as soon as it is built (building them all takes seconds); with --json, the same text
      // JSON.stringify(models, null, 2) would give, element by element.
      const names = modelNames();
      if (opts.json) process.stdout.write('[\n');
      names.forEach((name, i) => {
        const m = describeModel(name, paths);
        if (!opts.json) printText(m);
        else process.stdout.write(`  ${JSON.stringify(m, null, 2).replace(/\n/g, '\n  ')}${i < names.length - 1 ? ',' : ''}\n`);
      });
      if (opts.json) process.stdout.write(']\n');
    });
}
