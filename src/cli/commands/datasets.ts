import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { InspectReport } from '../../data/inspect.ts';
import { MEDMNIST, MEDMNIST_SIZES, medmnistCandidates, medmnistFileName, medmnistUrl, type MedmnistSize } from '../../data/medmnist.ts';
import { DATASET_KINDS, type DatasetKind } from '../../data/types.ts';
import { withoutSkipAdvice } from '../../data/problems.ts';
import { pathsFromEnv } from '../../settings.ts';
import { summary } from './table.ts';

interface InspectOptions {
  json?: boolean;
  kind?: DatasetKind;
  size?: string;
  download?: boolean;
  pathColumn?: string;
  labelColumn?: string;
  splitColumn?: string;
  groupColumn?: string;
  skipBad?: boolean;
  progress: boolean;
}

async function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return { update: (_d: number, _t: number) => {}, stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'scanning [{bar}] {value}/{total} images {eta_formatted}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done: number, total: number) {
      if (!started) { bar.start(total, 0); started = true; }
      bar.update(done);
    },
    stop() { if (started) bar.stop(); },
  };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

const badLine = (s: { file: string; problem: string }) => (s.problem.startsWith(s.file) ? s.problem : `${s.file}: ${s.problem}`);

function printList(out: string[], label: string, items: string[]): void {
  out.push(`${label.padEnd(12)}${items.length ? items.length : 'none'}`);
  for (const p of items.slice(0, 50)) out.push(`  - ${p}`);
  if (items.length > 50) out.push(`  … ${items.length - 50} more (use --json for all)`);
}

/** With skipBad the bad files are listed apart, as what training with --skip-bad would leave out. */
function printReport(r: InspectReport, skipBad: boolean): void {
  const out: string[] = [];
  out.push(`dataset     ${r.name} (${r.kind}) ${r.source}`);
  if (r.medmnist) {
    const m = r.medmnist;
    out.push(`medmnist    ${m.name} · ${m.modality} · ${r.task} · ${m.license}`);
    out.push(`md5         ${m.md5} ${m.md5Status === 'official' ? '(official)' : m.md5Status === 'legacy' ? '(official, MedMNIST v2 record 6496656)' : `(MODIFIED: official is ${m.officialMd5})`}`);
  } else out.push(`task        ${r.task}`);
  // Quoted and separated by '; ', so that "normal, benign" reads as one class; the split table uses indices as
  // column heads so that long names neither get cut nor push the columns apart.
  out.push(`classes     ${r.classNames.map((c, i) => `${i} ${JSON.stringify(c)}`).join('; ')}`);
  const names = r.classNames.map((_, i) => `class ${i}`);
  const widths = names.map((n) => Math.max(n.length, 6));
  out.push(`${'split'.padEnd(8)}${pad('total', 8)}  ${names.map((n, i) => pad(n, widths[i])).join('  ')}  ${pad('imbalance', 9)}`);
  for (const s of r.splits) {
    out.push(`${s.split.padEnd(8)}${pad(s.size, 8)}  ${s.classCounts.map((c, i) => pad(c, widths[i])).join('  ')}  ${pad(s.imbalance == null ? '∞' : s.imbalance.toFixed(2), 9)}`);
  }
  if (r.medmnist) out.push(`official    train ${r.medmnist.officialSplits.train} / val ${r.medmnist.officialSplits.val} / test ${r.medmnist.officialSplits.test}`);
  out.push(`image size  ${r.imageSizes.slice(0, 5).map((s) => `${s.width}×${s.height} (${s.count})`).join(', ')}${r.imageSizes.length > 5 ? `, … ${r.imageSizes.length} sizes` : ''}`);
  out.push(`channels    ${r.channels.map((c) => `${c.channels === 1 ? 'grey' : 'RGB'} (${c.count})`).join(', ')}`);
  out.push(`bit depth   ${r.bitDepths.map((b) => `${b.bits}-bit (${b.count})`).join(', ')}`);
  out.push(`format      ${r.formats.map((f) => `${f.format} (${f.count})`).join(', ')}`);
  if (r.valueRange) out.push(`values      ${r.valueRange.min}..${Math.round(r.valueRange.max * 1000) / 1000}`);
  const d = r.duplicates;
  out.push(`duplicates  across splits: ${d.crossSplitImages} images in ${d.crossSplitGroups} groups; within a split: ${d.withinSplitCopies} extra copies`);
  for (const e of d.examples) out.push(`            e.g. ${e.join(' = ')}`);
  if (skipBad) {
    printList(out, 'problems', r.problems);
    printList(out, 'skipped', r.skipped.map((s) => withoutSkipAdvice(badLine(s))));
  } else printList(out, 'problems', [...r.problems, ...r.skipped.map(badLine)]);
  if (r.warnings.length) {
    out.push(`warnings    ${r.warnings.length}`);
    for (const w of r.warnings.slice(0, 20)) out.push(`  - ${w}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

export function registerDatasets(program: Command): void {
  const cmd = program.command('datasets').description(summary('datasets'))
    .addHelpText('after', `
Examples:
  medft datasets list
  medft datasets inspect breastmnist --size 64
  medft datasets inspect scans/manifest.csv --path-column file --label-column diagnosis --group-column patient`);

  cmd
    .command('list')
    .description('the twelve MedMNIST v2 2D datasets: modality, task, classes, official splits, license, and whether a copy is found locally')
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  medft datasets list
  medft datasets list --json | jq '.[] | select(.task == "binary-class") | .name'`)
    .action((opts: { json?: boolean }) => {
      const paths = pathsFromEnv();
      const rows = MEDMNIST.map((m) => {
        const local = Object.fromEntries(MEDMNIST_SIZES.map((s) => [s, medmnistCandidates(m.name, s, paths).find((p) => existsSync(p)) ?? null])) as Record<MedmnistSize, string | null>;
        return { ...m, local, url: medmnistUrl(m.name, 28) };
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${'name'.padEnd(16)}${'modality'.padEnd(26)}${'task'.padEnd(27)}${'classes'.padStart(7)}  ${'train/val/test'.padEnd(22)}${'license'.padEnd(14)}local\n`);
      for (const r of rows) {
        const found = MEDMNIST_SIZES.filter((s) => r.local[s]).map((s) => medmnistFileName(r.name, s));
        process.stdout.write(`${r.name.padEnd(16)}${r.modality.padEnd(26)}${r.task.padEnd(27)}${String(r.classNames.length).padStart(7)}  ${`${r.splits.train}/${r.splits.val}/${r.splits.test}`.padEnd(22)}${r.license.padEnd(14)}${found.join(' ') || '-'}\n`);
      }
      process.stdout.write(`\nBy name, files are looked up in $MEDFT_DATA_DIR/<name>/, $MEDFT_DATA_DIR/, the cache and the copies shipped with medft (breastmnist); 'medft datasets inspect <name> --download' fetches one.\n`);
    });

  cmd
    .command('inspect <path>')
    .description('per split and class counts, image sizes, channels, bit depth, imbalance, duplicates across splits, problems')
    .addOption(new Option('--kind <kind>', 'what the path is (default: detected)').choices([...DATASET_KINDS]))
    .option('--size <n>', 'MedMNIST+ image size when <path> is a MedMNIST name (28, 64, 128, 224)')
    .option('--download', 'download a MedMNIST file by name when it is not found locally (md5-checked, into the cache)')
    .option('--path-column <name>', 'CSV column with image paths')
    .option('--label-column <name>', 'CSV column with labels')
    .option('--split-column <name>', 'CSV column with train/val/test')
    .option('--group-column <name>', 'CSV column with the patient / group id')
    .option('--skip-bad', 'list the files that cannot be used as skipped, as training with --skip-bad would, and exit 0 when they are the only problems')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
<path> is an .npz, a folder (root/<class>/* or root/<split>/<class>/*), a CSV manifest, or a MedMNIST name
(e.g. breastmnist, found through MEDFT_DATA_DIR, the cache or the copy shipped with medft). Exit status 3 when problems
are found (with --skip-bad: problems other than bad files, which are listed as skipped).

Example: medft datasets inspect ../shared/data/mednist --json > mednist.json`)
    .action(async (path: string, opts: InspectOptions) => {
      const paths = pathsFromEnv();
      let size: MedmnistSize | undefined;
      if (opts.size !== undefined) {
        size = Number(opts.size) as MedmnistSize;
        if (!MEDMNIST_SIZES.includes(size)) throw new UsageError(`--size must be one of ${MEDMNIST_SIZES.join(', ')}, got '${opts.size}'`);
      }
      const { inspectDataset } = await import('../../data/inspect.ts');
      const bar = await progressBar(opts.progress && !opts.json);
      let report: InspectReport;
      try {
        report = await inspectDataset(path, {
          paths, kind: opts.kind, size, download: opts.download,
          pathColumn: opts.pathColumn, labelColumn: opts.labelColumn, splitColumn: opts.splitColumn, groupColumn: opts.groupColumn,
          onProgress: (d, t) => bar.update(d, t),
        });
      } finally {
        bar.stop();
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report, !!opts.skipBad);
      const bad = opts.skipBad ? 0 : report.skipped.length;
      if (report.problems.length || bad) {
        // Said on stderr too, so a script sees why it failed without parsing the report.
        const what = [report.problems.length ? `${report.problems.length} problem(s) with the dataset as a whole` : '', bad ? `${bad} bad file(s)` : ''].filter(Boolean).join(' and ');
        process.stderr.write(`medft: ${report.source}: ${what}, listed in the report${bad ? '; fix or remove the bad files, or pass --skip-bad to skip them (here and in finetune / run)' : ''}\n`);
        process.exitCode = 3;
      } else if (opts.skipBad && report.skipped.length) {
        process.stderr.write(`${report.skipped.length} bad file(s) would be skipped by --skip-bad; the rest is usable\n`);
      }
    });
}
