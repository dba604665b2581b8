#!/usr/bin/env node
// `npm install` step: builds medft's optional oneDNN addon when oneDNN's headers are present (apt-get install
// libdnnl-dev); otherwise prints one line and exits 0, and medft uses its pure-wasm kernels.
// MEDFT_REQUIRE_NATIVE=1 turns a missing oneDNN or a failed build into an error (for CI on the native path).
// MEDFT_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const required = process.env.MEDFT_REQUIRE_NATIVE === '1';
const done = (msg, ok) => {
  console.log(`medft native: ${msg}`);
  process.exit(ok || !required ? 0 : 1);
};

if (process.env.MEDFT_SKIP_NATIVE === '1') done('skipped (MEDFT_SKIP_NATIVE=1); using the pure-wasm kernels', true);

const includeDirs = ['/usr/include', '/usr/local/include', ...(process.env.CPATH ?? '').split(':').filter(Boolean)];
const header = includeDirs.flatMap((d) => [path.join(d, 'oneapi/dnnl/dnnl.hpp'), path.join(d, 'dnnl.hpp')]).find(existsSync);
if (!header) done('oneDNN headers not found; skipping the native addon (apt-get install libdnnl-dev, then npm install, for native speed)', false);

// node-gyp ships with npm; inside npm scripts npm_config_node_gyp names it.
const prefix = path.dirname(path.dirname(process.execPath));
const gypCandidates = [
  process.env.npm_config_node_gyp,
  path.join(prefix, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
].filter(Boolean);
const gyp = gypCandidates.find((p) => existsSync(p));
if (!gyp) done('node-gyp not found (it ships with npm); skipping the native addon', false);

// Build against the local Node headers (a distro Node installs them under <prefix>/include/node) so nothing is downloaded.
const args = [gyp, 'rebuild', '--directory', here];
if (existsSync(path.join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) done(`building the oneDNN addon failed (exit ${r.status}); medft will use the pure-wasm kernels`, false);
done(`built the oneDNN addon (${path.relative(process.cwd(), path.join(here, 'build/Release/medft_onednn.node'))}) against ${header}`, true);
