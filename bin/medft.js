#!/usr/bin/env node
// Runs the JavaScript that `npm install` compiled from the TypeScript sources into dist/, while it matches them;
// otherwise (sources edited since, or never compiled) the sources themselves through tsx, which is slower to start
// but never out of date. `npm run build` compiles again.
import { distIsCurrent } from '../scripts/build-js.mjs';

if (distIsCurrent()) {
  if (process.env.MEDFT_DEBUG) process.setSourceMapsEnabled(true);
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
