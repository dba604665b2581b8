// Preloaded with --import: appends the URL of every module the process resolves to $MEDFT_IMPORT_LOG, so a test
// can tell which packages a command line loads.
import { register } from 'node:module';

register(`data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.MEDFT_IMPORT_LOG, r.url + '\\n');
  return r;
}`)}`);
