#!/usr/bin/env node
// Compiles src/**/*.ts to dist/**/*.js (npm install runs this as the `prepare` step; `npm run build` by hand), so the
// CLI starts without compiling TypeScript on the fly. The .ts sources stay the only truth: dist/ records a fingerprint
// of the sources it was made from, and bin/medft.js runs dist/ only while that fingerprint still matches, otherwise
// the sources through tsx as before.
//
// dist/ mirrors src/ one level below the repository root, exactly as src/ does, so the paths modules compute from
// import.meta.url (../package.json, ../../data/, ../../../native/build/…) land on the same files from either tree.
// Each file is transpiled on its own, never bundled: relative imports of ./x.ts become ./x.js, packages stay imports.
import { createHash } from 'node:crypto';
import { readdirSync, renameSync, rmSync, statSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = '.medft-build.json';

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** A fingerprint of what dist/ is made from: every source's path, size and modification time, and the build setup. */
export function fingerprint(root = ROOT) {
  const h = createHash('sha256');
  for (const f of [...sources(path.join(root, 'src')), path.join(root, 'tsconfig.json'), fileURLToPath(import.meta.url)].sort()) {
    const st = statSync(f);
    h.update(`${path.relative(root, f)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}

/** Whether <root>/dist was compiled from the sources as they are now. */
export function distIsCurrent(root = ROOT) {
  try {
    return JSON.parse(readFileSync(path.join(root, 'dist', STAMP), 'utf8')).fingerprint === fingerprint(root);
  } catch {
    return false;
  }
}

/** Transpiles every source of <root>/src into a fresh folder, then puts it in place of <root>/dist. */
export async function build(root = ROOT) {
  // esbuild comes with tsx (a dependency); resolved through tsx so that it is found wherever npm placed it.
  const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))('esbuild');
  const src = path.join(root, 'src');
  const dist = path.join(root, 'dist');
  const stamp = fingerprint(root);
  const tmp = `${dist}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const keepModules = {
    name: 'keep-modules',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => (a.kind === 'entry-point' ? undefined
        : { path: a.path.startsWith('.') ? a.path.replace(/\.ts$/, '.js') : a.path, external: true }));
    },
  };
  try {
    await esbuild.build({
      entryPoints: sources(src), outbase: src, outdir: tmp, bundle: true, plugins: [keepModules],
      format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning',
    });
    writeFileSync(path.join(tmp, STAMP), `${JSON.stringify({ fingerprint: stamp, built: new Date().toISOString() }, null, 2)}\n`);
    const old = `${dist}.${process.pid}.old`;
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const t0 = performance.now();
    await build();
    console.log(`medft: compiled src/ to dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    // Not fatal: without dist/ the CLI runs the sources through tsx, only slower to start.
    console.log(`medft: could not compile src/ to dist/ (${e.message}); the CLI will run the sources through tsx`);
  }
}
