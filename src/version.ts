/** medft's version (package.json), for banners, saved models, cell records and the queue's version check. */
import { createRequire } from 'node:module';

export const MEDFT_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
