#!/usr/bin/python3
"""Reference values for test/eval/paired.test.ts, computed independently of src/eval/paired.ts.

Run with Debian's Python, which has SciPy and scikit-learn (the pyenv python3 first on PATH does not):
    /usr/bin/python3 test/eval/paired-reference.py
It prints one JSON object: the fixed inputs (seeded numpy) and the reference outputs. The test file holds a copy of
this output as literals and, when this interpreter can import scipy and sklearn, runs the script again and compares.

- McNemar: scipy.stats.binomtest(n10, n01 + n10, 0.5).pvalue (two-sided exact binomial); p = 1 with no discordant pair.
- AUC: sklearn.metrics.roc_auc_score.
- DeLong: written here from the paper's structural components (DeLong, DeLong & Clarke-Pearson 1988): the placement
  values V10 (per positive) and V01 (per negative) by direct pairwise comparison of every positive with every negative
  (O(m·n), no ranks), their covariance matrices S10, S01 and S = S10/m + S01/n; z = (A1 − A2)/sqrt(S11 + S22 − 2·S12),
  p = 2·P(Z ≥ |z|). Not the mid-rank algorithm src/eval uses.
- Holm: the step-down definition, written here (statsmodels is not installed).
"""
import json

import numpy as np
from scipy.stats import binomtest, norm
from sklearn.metrics import roc_auc_score


def mcnemar_case(name, correct_a, correct_b):
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    n01 = int(np.sum(~a & b))
    n10 = int(np.sum(a & ~b))
    p = 1.0 if n01 + n10 == 0 else binomtest(n10, n01 + n10, 0.5).pvalue
    bits = lambda v: ''.join('1' if x else '0' for x in v)
    return {'name': name, 'correctA': bits(a), 'correctB': bits(b), 'n01': n01, 'n10': n10, 'pValue': float(p)}


def placements(labels, scores):
    """V10[i]: share of negatives scored below positive i (ties ½); V01[j]: share of positives scored above negative j."""
    x = scores[labels == 1][:, None]
    y = scores[labels == 0][None, :]
    psi = (x > y) + 0.5 * (x == y)
    return psi.mean(axis=1), psi.mean(axis=0)


def delong_case(name, labels, scores_a, scores_b):
    labels = np.asarray(labels)
    m, n = int(np.sum(labels == 1)), int(np.sum(labels == 0))
    v10a, v01a = placements(labels, scores_a)
    v10b, v01b = placements(labels, scores_b)
    auc_a, auc_b = roc_auc_score(labels, scores_a), roc_auc_score(labels, scores_b)
    assert abs(v10a.mean() - auc_a) < 1e-12 and abs(v01b.mean() - auc_b) < 1e-12
    s = np.cov(np.vstack([v10a, v10b])) / m + np.cov(np.vstack([v01a, v01b])) / n
    var = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    z = (auc_a - auc_b) / np.sqrt(var)
    return {
        'name': name,
        'labels': ''.join(str(int(v)) for v in labels),
        'scoresA': [float(v) for v in scores_a],
        'scoresB': [float(v) for v in scores_b],
        'aucA': float(auc_a),
        'aucB': float(auc_b),
        'se': float(np.sqrt(var)),
        'z': float(z),
        'pValue': float(2 * norm.sf(abs(z))),
    }


def holm(p):
    """Holm step-down: sort the m non-missing p ascending, adjusted p_(j) = min(1, max_{i≤j} (m − i + 1)·p_(i))."""
    idx = [i for i, v in enumerate(p) if v is not None]
    order = sorted(idx, key=lambda i: p[i])
    m = len(order)
    out = [None] * len(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, (m - rank) * p[i])
        out[i] = min(1.0, running)
    return out


def main():
    rng = np.random.default_rng(20240610)

    mcnemar = []
    a = rng.random(20) < 0.7
    b = rng.random(20) < 0.6
    mcnemar.append(mcnemar_case('n=20', a, b))
    a = rng.random(22) < 0.9
    b = rng.random(22) < 0.5
    mcnemar.append(mcnemar_case('n=22', a, b))
    a = rng.random(300) < 0.85
    b = np.where(rng.random(300) < 0.12, ~a, a)  # B disagrees with A on about 12% of the images
    mcnemar.append(mcnemar_case('n=300', a, b))
    a = rng.random(30) < 0.8
    mcnemar.append(mcnemar_case('no discordant pairs', a, a.copy()))
    b = a.copy()
    b[np.flatnonzero(a)[:7]] = False  # B only loses: n01 = 0, n10 = 7
    mcnemar.append(mcnemar_case('one-sided discordance', a, b))

    delong = []
    labels = (rng.random(20) < 0.45).astype(int)
    sa = np.round(np.clip(0.25 * labels + rng.normal(0.4, 0.2, 20), 0, 1), 1)  # one decimal: many ties
    sb = np.round(np.clip(0.10 * labels + rng.normal(0.45, 0.2, 20), 0, 1), 1)
    delong.append(delong_case('n=20, ties', labels, sa, sb))
    labels = (rng.random(300) < 0.15).astype(int)  # imbalanced
    latent = rng.normal(0, 1, 300) + 1.2 * labels
    sa = np.round(1 / (1 + np.exp(-(latent + rng.normal(0, 0.6, 300)))), 3)
    sb = np.round(1 / (1 + np.exp(-(0.9 * latent + rng.normal(0, 0.7, 300)))), 3)
    delong.append(delong_case('n=300, imbalanced', labels, sa, sb))
    labels = (rng.random(300) < 0.4).astype(int)
    sa = np.round(np.clip(0.3 * labels + rng.normal(0.35, 0.25, 300), 0, 1) * 8) / 8  # 9 levels: heavy ties
    sb = np.where(rng.random(300) < 0.5, sa, np.round(rng.random(300) * 4) / 4)
    delong.append(delong_case('n=300, heavy ties', labels, sa, sb))

    holm_cases = [
        [0.01, 0.04, 0.03, 0.005],
        [0.02, None, 0.5, 0.01, None, 0.04],
        [0.3, 0.3, 0.01, 0.8],
        [c['pValue'] for c in mcnemar] + [c['pValue'] for c in delong],
    ]
    holm_out = [{'p': p, 'adjusted': holm(p)} for p in holm_cases]

    # one line per field, so the copy in the test stays readable
    print('{')
    for key, cases in (('mcnemar', mcnemar), ('delong', delong), ('holm', holm_out)):
        print(f'  "{key}": [')
        for ci, case in enumerate(cases):
            print('    {')
            items = list(case.items())
            for fi, (k, v) in enumerate(items):
                print(f'      "{k}": {json.dumps(v)}' + (',' if fi < len(items) - 1 else ''))
            print('    }' + (',' if ci < len(cases) - 1 else ''))
        print('  ]' + (',' if key != 'holm' else ''))
    print('}')


if __name__ == '__main__':
    main()
