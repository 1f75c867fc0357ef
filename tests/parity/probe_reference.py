"""scikit-learn's LogisticRegression on a fixed, seeded feature set, for the linear-probe test.

Features are unit-length rows (as adaptlab's probes see CLIP features): class centres on
the sphere plus noise, so the classes overlap and accuracy is well below 100%.
usage: probe_reference.py OUT.json
"""
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression


def unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main(out):
    rng = np.random.default_rng(11)
    classes, dim = 10, 32
    centres = unit(rng.normal(size=(classes, dim)))

    def sample(n):
        y = rng.integers(0, classes, size=n)
        x = unit(centres[y] + rng.normal(scale=0.4, size=(n, dim)))
        return x, y

    x_train, y_train = sample(3000)
    x_test, y_test = sample(2000)
    cases = []
    for c in [1.0, 100.0]:
        model = LogisticRegression(C=c, max_iter=10000, tol=1e-10)
        model.fit(x_train, y_train)
        # scikit-learn's objective divided by n: mean cross-entropy + ||W||^2 / (2 C n).
        p = model.predict_proba(x_train)
        ce = -np.mean(np.log(p[np.arange(len(y_train)), y_train]))
        objective = ce + np.sum(model.coef_ ** 2) / (2 * c * len(y_train))
        cases.append({
            "c": c,
            "objective": float(objective),
            "accuracy": float(model.score(x_test, y_test)),
            "probabilities": model.predict_proba(x_test[:50]).tolist(),
        })
    with open(out, "w") as fh:
        json.dump({
            "classes": classes,
            "x_train": x_train.tolist(), "y_train": y_train.tolist(),
            "x_test": x_test.tolist(), "y_test": y_test.tolist(),
            "cases": cases,
        }, fh)


if __name__ == "__main__":
    main(sys.argv[1])
