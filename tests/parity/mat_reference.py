"""MAT-files written by scipy.io.savemat in the Stanford Dogs layout, and what they hold.

usage: mat_reference.py OUT_DIR   (writes *.mat and expected.json)
"""
import json
import sys
from pathlib import Path

import numpy as np
import scipy.io

FILES = [
    "n02085620-Chihuahua/n02085620_5927.jpg",
    "n02085782-Japanese_spaniel/n02085782_2.jpg",
    "n02116738-African_hunting_dog/n02116738_10024.jpg",
    "n99999999-Caf\u00e9_\u00e9l\u00e8ve/n99999999_1.jpg",
]


def cells(strings):
    arr = np.empty((len(strings), 1), dtype=object)
    for i, s in enumerate(strings):
        arr[i, 0] = np.array([s])
    return arr


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    labels = np.array([[1.0], [2.0], [120.0], [7.0]])
    variables = {
        "file_list": cells(FILES),
        "annotation_list": cells([f.rsplit(".", 1)[0] for f in FILES]),
        "labels": labels,
        "meta": {"note": "a struct adaptlab ignores", "n": 4},
    }
    for compressed in (False, True):
        scipy.io.savemat(out / f"list_compressed_{str(compressed).lower()}.mat", variables, do_compression=compressed)
    scipy.io.savemat(out / "labels_int.mat", {"labels": labels.astype(np.uint8), "file_list": cells(FILES)})
    expected = {"file_list": FILES, "annotation_list": [f.rsplit(".", 1)[0] for f in FILES], "labels": [1, 2, 120, 7]}
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
