// Per strategy: test accuracy and macro AUC on each engine, mean ± spread (min–max) over seeds, from two results.db
// written by compare-engines.sh; plus each engine's training seconds and the engine every cell recorded.
// Usage: node --import tsx scripts/native-engine/compare-engines.ts native/results.db tfjs/results.db
import Database from 'better-sqlite3';

interface Row { strategy: string; seed: number; accuracy: number; auc: number; seconds: number; step: string }

function read(file: string): Row[] {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare(`
    select c.strategy, c.seed, c.seconds,
      (select value from metrics m where m.cell_id = c.id and m.split = 'test' and m.metric = 'accuracy') accuracy,
      (select value from metrics m where m.cell_id = c.id and m.split = 'test' and m.metric = 'macroAuc') auc,
      (select json_extract(info, '$.engine.step') from environment e where e.cell_id = c.id) step
    from cells c where c.status = 'done'`).all() as Row[];
  db.close();
  return rows;
}

const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return `${mean.toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`;
};
const [a, b] = [read(process.argv[2]), read(process.argv[3])];
console.log(`cells: native ${a.length} (engines recorded: ${[...new Set(a.map((r) => r.step))].join(', ')}), tfjs ${b.length} (${[...new Set(b.map((r) => r.step))].join(', ')})`);
console.log('strategy  | native accuracy       | tfjs accuracy         | native AUC            | tfjs AUC');
for (const s of [...new Set(a.map((r) => r.strategy))]) {
  const pa = a.filter((r) => r.strategy === s);
  const pb = b.filter((r) => r.strategy === s);
  console.log(`${s.padEnd(9)} | ${stats(pa.map((r) => r.accuracy))} | ${stats(pb.map((r) => r.accuracy))} | ${stats(pa.map((r) => r.auc))} | ${stats(pb.map((r) => r.auc))}`);
}
const secs = (rs: Row[]) => rs.reduce((x, r) => x + r.seconds, 0);
console.log(`cell seconds: native ${secs(a).toFixed(0)}, tfjs ${secs(b).toFixed(0)} (ratio ${(secs(b) / secs(a)).toFixed(2)})`);
