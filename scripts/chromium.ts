/**
 * Headless Chromium through its command line only (no puppeteer or playwright to install): a screenshot of a page,
 * and where each chart's text lands in the browser's own layout. The measuring script is appended to a copy of the
 * page and writes its findings into the DOM, which --dump-dom then prints.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = process.env.MEDFT_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = () => existsSync(CHROMIUM);

function run(args: string[], url: string): string {
  const profile = mkdtempSync(join(tmpdir(), 'medft-chromium-'));
  try {
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`];
    const r = spawnSync(CHROMIUM, [...flags, ...args, url], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`${CHROMIUM} exited with ${r.status}: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** `html` (a file) as a PNG of width × height CSS pixels: the first screen a reader sees. */
export function screenshot(html: string, png: string, width = 1280, height = 800): void {
  run([`--screenshot=${png}`, `--window-size=${width},${height}`], pathToFileURL(html).href);
}

export interface Overflow {
  /** The chart's index among the page's SVGs and the text that leaves its box. */
  svg: number;
  text: string;
  /** How far, in CSS pixels, the text's box reaches past each side of the chart's box (positive = outside). */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Layout {
  svgs: number;
  texts: number;
  overflows: Overflow[];
}

// Runs in the page: every <text> of every top-level <svg>, compared with that svg's box.
const MEASURE = `<script>
(() => {
  const out = { svgs: 0, texts: 0, overflows: [] };
  [...document.querySelectorAll('svg')].filter((s) => !s.parentElement.closest('svg')).forEach((svg, i) => {
    out.svgs++;
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      out.texts++;
      const r = t.getBoundingClientRect();
      const o = { svg: i, text: t.textContent, left: box.left - r.left, right: r.right - box.right, top: box.top - r.top, bottom: r.bottom - box.bottom };
      if (Math.max(o.left, o.right, o.top, o.bottom) > 0.5) out.overflows.push(o);
    }
  });
  const pre = document.createElement('pre');
  pre.id = 'medft-layout';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>`;

/** Lays `html` out at `width` CSS pixels and reports every chart text that reaches outside its chart. */
export function measureChartText(html: string, width = 1280): Layout {
  // Next to the original, so that relative links resolve the same.
  const copy = join(dirname(html), `.measure-${process.pid}.html`);
  writeFileSync(copy, readFileSync(html, 'utf8').replace('</body>', `${MEASURE}</body>`));
  try {
    const dom = run(['--dump-dom', `--window-size=${width},800`, '--virtual-time-budget=5000'], pathToFileURL(copy).href);
    const m = /<pre id="medft-layout">([^<]*)<\/pre>/.exec(dom);
    if (!m) throw new Error(`${CHROMIUM} did not run the measuring script on ${html}`);
    return JSON.parse(m[1].replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Layout;
  } finally {
    rmSync(copy, { force: true });
  }
}
