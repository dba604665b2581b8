/**
 * The twelve 2D datasets of MedMNIST v2 (and their MedMNIST+ 64/128/224 sizes), as listed in the medmnist package's
 * INFO dictionary (medmnist 3.0.2, Zenodo record 10519652): modality, task, class names, official split sizes, license
 * and the md5 of every file. Finding a file by name, checking its md5, and downloading it (md5-checked, into the cache).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { installOnce } from '../cache-install.ts';
import { InputError, ResourceError, UsageError } from '../errors.ts';
import type { Paths } from '../paths.ts';
import { shippedDataDir } from './paths.ts';
import type { SplitName, Task } from './types.ts';

export type MedmnistSize = 28 | 64 | 128 | 224;
export const MEDMNIST_SIZES: readonly MedmnistSize[] = [28, 64, 128, 224];

export interface MedmnistInfo {
  name: string;
  pythonClass: string;
  modality: string;
  task: Task;
  classNames: string[];
  /** The class a clinician calls positive (what the test looks for), where the dataset makes it clear; sensitivity,
   * specificity, PPV and NPV in the report are of this class. */
  positiveClass?: number;
  channels: 1 | 3;
  splits: Record<SplitName, number>;
  license: string;
  /** md5 of `<name>.npz` (28×28) and `<name>_<size>.npz` (MedMNIST+). */
  md5: Record<MedmnistSize, string>;
  /** Earlier official release (MedMNIST v2, Zenodo record 6496656) where its 28×28 file differs. */
  legacy?: { record: string; md5: string; splits: Record<SplitName, number> };
}

export const ZENODO_RECORD = '10519652';

const ORGAN_CLASSES = ['bladder', 'femur-left', 'femur-right', 'heart', 'kidney-left', 'kidney-right', 'liver', 'lung-left', 'lung-right', 'pancreas', 'spleen'];
const s = (train: number, val: number, test: number): Record<SplitName, number> => ({ train, val, test });
const md5 = (m28: string, m64: string, m128: string, m224: string): Record<MedmnistSize, string> => ({ 28: m28, 64: m64, 128: m128, 224: m224 });

export const MEDMNIST: readonly MedmnistInfo[] = [
  {
    name: 'pathmnist', pythonClass: 'PathMNIST', modality: 'Colon Pathology', task: 'multi-class', channels: 3, license: 'CC BY 4.0',
    classNames: ['adipose', 'background', 'debris', 'lymphocytes', 'mucus', 'smooth muscle', 'normal colon mucosa', 'cancer-associated stroma', 'colorectal adenocarcinoma epithelium'],
    splits: s(89996, 10004, 7180),
    md5: md5('a8b06965200029087d5bd730944a56c1', '55aa9c1e0525abe5a6b9d8343a507616', 'ac42d08fb904d92c244187169d1fd1d9', '2c51a510bcdc9cf8ddb2af93af1eadec'),
  },
  {
    name: 'chestmnist', pythonClass: 'ChestMNIST', modality: 'Chest X-Ray', task: 'multi-label, binary-class', channels: 1, license: 'CC BY 4.0',
    classNames: ['atelectasis', 'cardiomegaly', 'effusion', 'infiltration', 'mass', 'nodule', 'pneumonia', 'pneumothorax', 'consolidation', 'edema', 'emphysema', 'fibrosis', 'pleural', 'hernia'],
    splits: s(78468, 11219, 22433),
    md5: md5('02c8a6516a18b556561a56cbdd36c4a8', '9de6cd0b934ebb5b7426cfba5efbae16', 'db107e5590b27930b62dbaf558aebee3', '45bd33e6f06c3e8cdb481c74a89152aa'),
  },
  {
    name: 'dermamnist', pythonClass: 'DermaMNIST', modality: 'Dermatoscope', task: 'multi-class', channels: 3, license: 'CC BY-NC 4.0',
    classNames: ['actinic keratoses and intraepithelial carcinoma', 'basal cell carcinoma', 'benign keratosis-like lesions', 'dermatofibroma', 'melanoma', 'melanocytic nevi', 'vascular lesions'],
    splits: s(7007, 1003, 2005),
    md5: md5('0744692d530f8e62ec473284d019b0c7', 'b70a2f5635c6199aeaa28c31d7202e1f', '2defd784463fa5243564e855ed717de1', '8974907d8e169bef5f5b96bc506ae45d'),
  },
  {
    name: 'octmnist', pythonClass: 'OCTMNIST', modality: 'Retinal OCT', task: 'multi-class', channels: 1, license: 'CC BY 4.0',
    classNames: ['choroidal neovascularization', 'diabetic macular edema', 'drusen', 'normal'],
    splits: s(97477, 10832, 1000),
    md5: md5('c68d92d5b585d8d81f7112f81e2d0842', 'e229e9440236b774d9f0dfef9d07bdaf', '0a97e76651ace45c5d943ee3f65b63ae', 'abc493b6d529d5de7569faaef2773ba3'),
  },
  {
    name: 'pneumoniamnist', pythonClass: 'PneumoniaMNIST', modality: 'Chest X-Ray', task: 'binary-class', channels: 1, license: 'CC BY 4.0',
    classNames: ['normal', 'pneumonia'],
    positiveClass: 1,
    splits: s(4708, 524, 624),
    md5: md5('28209eda62fecd6e6a2d98b1501bb15f', '8f4eceb4ccffa70c672198ea285246c6', '05b46931834c231683c68f40c47b2971', 'd6a3c71de1b945ea11211b03746c1fe1'),
  },
  {
    name: 'retinamnist', pythonClass: 'RetinaMNIST', modality: 'Fundus Camera', task: 'ordinal-regression', channels: 3, license: 'CC BY 4.0',
    classNames: ['0', '1', '2', '3', '4'],
    splits: s(1080, 120, 400),
    md5: md5('bd4c0672f1bba3e3a89f0e4e876791e4', 'afda852cc34dcda56f86ad2b2457dbcc', 'e48e916a24454daf90583d4e6efb1a18', 'eae7e3b6f3fcbda4ae613ebdcbe35348'),
  },
  {
    name: 'breastmnist', pythonClass: 'BreastMNIST', modality: 'Breast Ultrasound', task: 'binary-class', channels: 1, license: 'CC BY 4.0',
    classNames: ['malignant', 'normal, benign'],
    positiveClass: 0,
    splits: s(546, 78, 156),
    md5: md5('750601b1f35ba3300ea97c75c52ff8f6', '742edef2a1fd1524b2efff4bd7ba9364', '363e4b3f8d712e9b5de15470a2aaadf1', 'b56378a6eefa9fed602bb16d192d4c8b'),
  },
  {
    name: 'bloodmnist', pythonClass: 'BloodMNIST', modality: 'Blood Cell Microscope', task: 'multi-class', channels: 3, license: 'CC BY 4.0',
    classNames: ['basophil', 'eosinophil', 'erythroblast', 'immature granulocytes(myelocytes, metamyelocytes and promyelocytes)', 'lymphocyte', 'monocyte', 'neutrophil', 'platelet'],
    splits: s(11959, 1712, 3421),
    md5: md5('7053d0359d879ad8a5505303e11de1dc', '2b94928a2ae4916078ca51e05b6b800b', 'adace1e0ed228fccda1f39692059dd4c', 'b718ff6835fcbdb22ba9eacccd7b2601'),
  },
  {
    name: 'tissuemnist', pythonClass: 'TissueMNIST', modality: 'Kidney Cortex Microscope', task: 'multi-class', channels: 1, license: 'CC BY 4.0',
    classNames: ['Collecting Duct, Connecting Tubule', 'Distal Convoluted Tubule', 'Glomerular endothelial cells', 'Interstitial endothelial cells', 'Leukocytes', 'Podocytes', 'Proximal Tubule Segments', 'Thick Ascending Limb'],
    splits: s(165466, 23640, 47280),
    md5: md5('ebe78ee8b05294063de985d821c1c34b', '123ece2eba09d0aa5d698fda57103344', '61b955355d7425a89687b06cca3ce0c2', 'b077128c4a949f0a4eb01517f9037b9c'),
  },
  {
    name: 'organamnist', pythonClass: 'OrganAMNIST', modality: 'Abdominal CT', task: 'multi-class', channels: 1, license: 'CC BY 4.0',
    classNames: ORGAN_CLASSES,
    splits: s(34561, 6491, 17778),
    md5: md5('68e3f8846a6bd62f0c9bf841c0d9eacc', '2dcccc29b88e6da5a01161ef20cda288', 'eeae80d0a227a8d099027e1b3cfd3b60', '50747347e05c87dd3aaf92c49f9f3170'),
    legacy: { record: '6496656', md5: '866b832ed4eeba67bfb9edee1d5544e6', splits: s(34581, 6491, 17778) },
  },
  {
    name: 'organcmnist', pythonClass: 'OrganCMNIST', modality: 'Abdominal CT', task: 'multi-class', channels: 1, license: 'CC BY 4.0',
    classNames: ORGAN_CLASSES,
    splits: s(12975, 2392, 8216),
    md5: md5('b9ceb9546e10131b32923c5bbeaea2b1', '3ce34a8724ea6f548e6db4744d03b6a9', '773c1f009daa3fe5d9a2a201b2a7ed94', '050f5e875dc056f6768abf94ec9995d1'),
    legacy: { record: '6496656', md5: '0afa5834fb105f7705a7d93372119a21', splits: s(13000, 2392, 8268) },
  },
  {
    name: 'organsmnist', pythonClass: 'OrganSMNIST', modality: 'Abdominal CT', task: 'multi-class', channels: 1, license: 'CC BY 4.0',
    classNames: ORGAN_CLASSES,
    splits: s(13932, 2452, 8827),
    md5: md5('9ab87b696fb54e2a387ebe992d6ed5f1', '53a6d115339d874c25e309a994ff46d3', 'ded0c5fa01a95dc4978b956f613e9b8e', 'b354719e553fbbb2513d5533f52a4cb1'),
    legacy: { record: '6496656', md5: 'e5c39f1af030238290b9557d9503af9d', splits: s(13940, 2452, 8829) },
  },
];

export function medmnistInfo(name: string): MedmnistInfo | undefined {
  return MEDMNIST.find((m) => m.name === name.toLowerCase());
}

/** `breastmnist`, `breastmnist_64` → name and size. Returns null when the base name is not a MedMNIST 2D dataset. */
export function parseMedmnistName(spec: string): { info: MedmnistInfo; size: MedmnistSize } | null {
  const m = /^([a-z]+mnist)(?:[_@](\d+))?(?:\.npz)?$/i.exec(spec.trim());
  if (!m) return null;
  const info = medmnistInfo(m[1]);
  if (!info) return null;
  const size = m[2] ? Number(m[2]) : 28;
  if (!MEDMNIST_SIZES.includes(size as MedmnistSize)) {
    throw new UsageError(`MedMNIST size ${size} does not exist for ${info.name}; choose one of ${MEDMNIST_SIZES.join(', ')}`);
  }
  return { info, size: size as MedmnistSize };
}

export function medmnistFileName(name: string, size: MedmnistSize): string {
  return size === 28 ? `${name}.npz` : `${name}_${size}.npz`;
}

export function medmnistUrl(name: string, size: MedmnistSize): string {
  return `https://zenodo.org/records/${ZENODO_RECORD}/files/${medmnistFileName(name, size)}?download=1`;
}

/** Where --download puts a MedMNIST file: <cache>/medmnist/<file>. */
export function medmnistCachePath(name: string, size: MedmnistSize, paths: Paths): string {
  return join(paths.cacheDir, 'medmnist', medmnistFileName(name, size));
}

/** Where a MedMNIST file is looked for, in order: MEDFT_DATA_DIR, the download cache, the copies shipped with medft. */
export function medmnistCandidates(name: string, size: MedmnistSize, paths: Paths): string[] {
  const file = medmnistFileName(name, size);
  const dd = paths.dataDir;
  const out: string[] = [];
  if (dd) out.push(join(dd, name, file), join(dd, file));
  out.push(medmnistCachePath(name, size, paths), join(shippedDataDir(), name, file));
  return out;
}

export async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface Md5Check {
  md5: string;
  /** 'official' (this release), 'legacy' (earlier official release), or 'modified' (matches neither). */
  status: 'official' | 'legacy' | 'modified';
  expected: string;
}

export async function checkMedmnistMd5(path: string, info: MedmnistInfo, size: MedmnistSize): Promise<Md5Check> {
  const got = await md5File(path);
  const expected = info.md5[size];
  if (got === expected) return { md5: got, status: 'official', expected };
  if (size === 28 && info.legacy && got === info.legacy.md5) return { md5: got, status: 'legacy', expected };
  return { md5: got, status: 'modified', expected };
}

export interface DownloadOptions {
  /** Injected for tests: the function that fetches a URL (default: global fetch). */
  fetchImpl?: typeof fetch;
  onProgress?: (received: number, total: number) => void;
}

export interface ResolveOptions extends DownloadOptions {
  size?: MedmnistSize;
  /** Download from Zenodo when the file is not found locally. */
  download?: boolean;
  /** Its dataDir is searched first (none when null), its cacheDir next and downloaded into. */
  paths: Paths;
}

/** Finds (or downloads) the .npz for a MedMNIST name; throws ResourceError naming the file to place and where. */
export async function resolveMedmnist(spec: string, opts: ResolveOptions): Promise<{ path: string; info: MedmnistInfo; size: MedmnistSize }> {
  const parsed = parseMedmnistName(spec);
  if (!parsed) throw new UsageError(`'${spec}' is not a MedMNIST 2D dataset; known: ${MEDMNIST.map((m) => m.name).join(', ')}`);
  const { info } = parsed;
  const size = opts.size ?? parsed.size;
  const candidates = medmnistCandidates(info.name, size, opts.paths);
  const found = candidates.find((p) => existsSync(p));
  if (found) return { path: found, info, size };
  const target = medmnistCachePath(info.name, size, opts.paths);
  if (!opts.download) {
    throw new ResourceError(`${medmnistFileName(info.name, size)} not found (looked in ${candidates.join(', ')}); ` +
      `rerun with --download, or place the file from ${medmnistUrl(info.name, size)} at ${target}`);
  }
  await downloadMedmnist(info, size, target, opts);
  return { path: target, info, size };
}

/**
 * Downloads one MedMNIST file to `target`, checking its md5; never leaves a partial or unverified file behind, and
 * several processes may download the same file at once (../cache-install.ts).
 */
export async function downloadMedmnist(info: MedmnistInfo, size: MedmnistSize, target: string, opts: DownloadOptions = {}): Promise<void> {
  const url = medmnistUrl(info.name, size);
  const file = medmnistFileName(info.name, size);
  const offline = (why: string) => new ResourceError(`could not download ${file} from ${url} (${why}); ` +
    `if this machine is offline, fetch that URL elsewhere and place the file at ${target}`);
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  await installOnce(target, async (tmp) => {
    let res: Response;
    try {
      res = await fetchImpl(url, { redirect: 'follow' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw offline(cause?.code ?? cause?.message ?? (e as Error).message);
    }
    if (!res.ok || !res.body) throw offline(`HTTP ${res.status}`);
    const total = Number(res.headers.get('content-length') ?? 0);
    const hash = createHash('md5');
    const out = createWriteStream(tmp);
    let received = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        received += chunk.length;
        opts.onProgress?.(received, total);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    } catch (e) {
      out.destroy();
      throw offline(`transfer failed after ${received} bytes: ${(e as Error).message}`);
    }
    const got = hash.digest('hex');
    if (got !== info.md5[size]) {
      throw new InputError(`downloaded ${file} has md5 ${got}, expected ${info.md5[size]}; the download is corrupt or the record changed — retry, or place a verified copy at ${target}`);
    }
  });
}
