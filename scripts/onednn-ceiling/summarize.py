"""Table of run.sh's results: each run, then the median over runs, per configuration (see docs/performance.md)."""
import json
import statistics
import sys

rows = []
for line in open(sys.argv[1]):
    run, model, size, batch, result, torch = line.rstrip('\n').split('\t')
    r = {k: float(v) for k, v in (kv.split('=') for kv in result.split())}
    steps = sorted(json.loads(torch)['stepSeconds'])
    r['torch_ms'] = statistics.median(steps) * 1e3
    r['torch_min_ms'] = steps[0] * 1e3
    rows.append((int(run), f'{model} {size}px b{batch}', r))

def seq(r):
    return f"{r['seq_direct_ms']:.0f} / {r['seq_best_ms']:.0f}" if r.get('seq_direct_ms', -1) >= 0 else 'not run'

def line(name, r):
    budget = r['torch_ms'] / 1.5
    fits = ' / '.join('yes' if r[k] + r['dense_ms'] <= budget else 'no' for k in ('direct_ms', 'best_ms'))
    return (f"| {name} | {r['torch_ms']:.0f} | {budget:.0f} | {r['direct_ms']:.0f} | {r['best_ms']:.0f} | "
            f"{r['direct_min_ms']:.0f} / {r['best_min_ms']:.0f} | {seq(r)} | {r['dense_ms']:.2f} | "
            f"{int(r['wino_used'])} of {int(r['wino_convs'])} of {int(r['convs'])} | {r['gflop']:.1f} | "
            f"{r['direct_gflops']:.0f} / {r['best_gflops']:.0f} | {r.get('others_dnnl', -1):.2f} / {r.get('others_torch', -1):.2f} | {fits} |")

head = ('| run | config | PyTorch step ms (median) | 1.5x budget ms | oneDNN convs direct ms | best of direct/winograd ms | '
        'fastest-run sums direct / best ms | back to back direct / best ms | dense head ms | convs on winograd (faster / accepted / all) | '
        'conv GFLOP per step | conv GFLOP/s direct / best | CPU share of other processes, oneDNN / PyTorch | convs + head fit budget, direct / best |')
print(head)
print('|' + '---|' * (head.count('|') - 1))
for run, name, r in rows:
    print(f'| {run} ' + line(name, r))
# A run counts as undisturbed when other processes took at most CLEAN of the 2 cores during both measurements.
CLEAN = 0.15
print()
print(f"Medians over the runs where other processes took <= {CLEAN} of the cores during both measurements "
      "(all runs where none did):")
print(head.replace('| run ', '| runs ', 1))
print('|' + '---|' * (head.count('|') - 1))
for name in dict.fromkeys(n for _, n, _ in rows):
    every = [r for _, n, r in rows if n == name]
    clean = [r for r in every if max(r.get('others_dnnl', 1), r.get('others_torch', 1)) <= CLEAN]
    rs = clean or every
    med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
    print(f"| {len(clean)} clean of {len(every)} " if clean else f"| 0 clean, all {len(every)} ", end='')
    print(line(name, med))

peaks = [l for l in open(sys.argv[2]) if l.startswith('PEAK')]
print()
print(''.join(peaks), end='')
