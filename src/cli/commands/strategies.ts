import type { Command } from 'commander';
import type { ZodObject } from 'zod';
import { summary } from './table.ts';

interface ParamInfo { name: string; default: unknown; description: string }

async function paramsOf(schema: ZodObject): Promise<ParamInfo[]> {
  const { z } = await import('zod');
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, { default?: unknown; description?: string }> };
  return Object.entries(json.properties ?? {}).map(([name, p]) => ({ name, default: p.default ?? null, description: p.description ?? '' }));
}

/** A parameter without a fixed default is derived from the run; its description says how, as '(default: …)'. */
const derived = (description: string) => `(${/\(default: ([^)]*)\)/.exec(description)?.[1] ?? 'derived from the run'})`;

export function registerStrategies(program: Command): void {
  program
    .command('strategies')
    .description(summary('strategies'))
    .option('--json', 'print one JSON array')
    .addHelpText('after', `
Hyper-parameters are set with 'medft finetune --param key=value'. The eight strategies of the reference study
(Davila et al. 2024) are marked with *.

Examples:
  medft strategies
  medft strategies --json | jq '.[].id'
  medft finetune --data breastmnist --model resnet50 --strategy lp-ft --param lpEpochs=4 --out runs/bm`)
    .action(async (opts: { json?: boolean }) => {
      const { STRATEGIES, STUDY_STRATEGIES } = await import('../../strategies/index.ts');
      const rows = await Promise.all(STRATEGIES.map(async (s) => ({
        id: s.id === 'surgical' ? 'surgical:<block>' : s.id,
        name: s.name,
        study: (STUDY_STRATEGIES as readonly string[]).includes(s.id),
        summary: s.summary,
        reference: s.reference,
        params: await paramsOf(s.params),
        lrGrid: [...s.lrGrid],
      })));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) {
        const lines = [`${r.study ? '*' : ' '} ${r.id.padEnd(17)} ${r.name}`, `    ${r.summary}`, `    source: ${r.reference}`, `    LR grid (lrGrid: auto): ${r.lrGrid.map((x) => x.toExponential()).join(', ')}`];
        for (const p of r.params) lines.push(`    --param ${p.name}=${p.default ?? derived(p.description)}  ${p.description}`);
        process.stdout.write(`${lines.join('\n')}\n\n`);
      }
    });
}
