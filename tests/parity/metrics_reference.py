"""scikit-learn's per-class metrics on seeded random predictions, for the Rust metrics test.

Cases include classes never predicted and classes absent from the truth (zero_division=0).
usage: metrics_reference.py OUT.json
"""
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support


def main(out):
    rng = np.random.default_rng(3)
    cases = []
    for n, k, skew in [(500, 12, 0.6), (3000, 120, 0.7), (50, 10, 0.0), (200, 5, 0.95)]:
        truth = rng.integers(0, k - 1, size=n)  # the last class never occurs in the truth
        noise = rng.integers(0, k, size=n)
        pred = np.where(rng.random(n) < skew, truth, noise)
        pred[pred == 1] = 2  # class 1 is never predicted
        p, r, f, s = precision_recall_fscore_support(truth, pred, labels=list(range(k)), zero_division=0)
        mp, mr, mf, _ = precision_recall_fscore_support(truth, pred, labels=list(range(k)), average="macro", zero_division=0)
        wp, wr, wf, _ = precision_recall_fscore_support(truth, pred, labels=list(range(k)), average="weighted", zero_division=0)
        cases.append({
            "classes": k, "truth": truth.tolist(), "pred": pred.tolist(),
            "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
            "accuracy": accuracy_score(truth, pred), "macro": [mp, mr, mf], "weighted": [wp, wr, wf],
        })
    with open(out, "w") as fh:
        json.dump(cases, fh)
    # McNemar's exact test: scipy's two-sided binomial test of b discordant pairs among b + c.
    from scipy.stats import binomtest
    pairs = [(0, 1), (1, 9), (5, 5), (3, 17), (40, 61), (400, 500), (1200, 1100)]
    with open(out + ".mcnemar.json", "w") as fh:
        json.dump([[b, c, binomtest(b, b + c, 0.5).pvalue] for b, c in pairs], fh)


if __name__ == "__main__":
    main(sys.argv[1])
