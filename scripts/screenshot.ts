/**
 * `npm run screenshot [-- <run dir> [<png>]]`: the first screen (1280×800) of a run's report in headless Chromium,
 * by default runs/default → docs/report-screenshot.png. The report is written into a temporary copy of the run's
 * results.db, so the run folder itself is left as it was.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../src/report/index.ts';
import { chromiumAvailable, CHROMIUM, screenshot } from './chromium.ts';

const [runDir = 'runs/default', png = 'docs/report-screenshot.png'] = process.argv.slice(2);
if (!chromiumAvailable()) {
  process.stderr.write(`screenshot: ${CHROMIUM} not found; install it (apt-get install -y chromium) or set MEDFT_CHROMIUM\n`);
  process.exit(4);
}
const db = join(runDir, 'results.db');
if (!existsSync(db)) {
  process.stderr.write(`screenshot: ${db} not found; point at the --out folder of a 'medft run'\n`);
  process.exit(3);
}
const tmp = mkdtempSync(join(tmpdir(), 'medft-screenshot-'));
try {
  // With its write-ahead log, where SQLite may still hold the latest results.
  for (const f of ['results.db', 'results.db-wal', 'results.db-shm']) if (existsSync(join(runDir, f))) copyFileSync(join(runDir, f), join(tmp, f));
  const { htmlPath } = await writeReport(tmp);
  screenshot(htmlPath, png);
  process.stdout.write(`${png}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
