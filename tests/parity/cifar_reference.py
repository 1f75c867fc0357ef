"""A small CIFAR-10 in the authors' on-disk formats, for the reader test, with the pixels
and labels it holds.

    python cifar_reference.py OUT_DIR STYLE
STYLE: py2 (the Python version as Python 2's cPickle wrote it: protocol 2, byte-string keys
and data as BINSTRING), py3 (protocol 4 from Python 3: str keys, BINBYTES, frames), or bin
(the binary version: a label byte and 3,072 pixel bytes per record).
"""
import pickle
import struct
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

out, style = Path(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
PER_BATCH = 6
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


class Python2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 wrote str: SHORT_BINSTRING / BINSTRING."""
    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes(self, obj):
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes


def key(name):
    return name.encode() if style == "py2" else name


def dump(obj, path):
    with open(path, "wb") as f:
        if style == "py2":
            Python2Pickler(f, protocol=2).dump(obj)
        else:
            pickle.dump(obj, f, protocol=4)


folder = out / ("cifar-10-batches-bin" if style == "bin" else "cifar-10-batches-py")
folder.mkdir(parents=True, exist_ok=True)
expected = {}
for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
    data = rng.integers(0, 256, (PER_BATCH, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, PER_BATCH)
    expected[f"{name}.data"] = data
    expected[f"{name}.labels"] = labels.astype(np.int64)
    if style == "bin":
        records = np.concatenate([labels.astype(np.uint8)[:, None], data], axis=1)
        (folder / f"{name}.bin").write_bytes(records.tobytes())
    else:
        dump({key("batch_label"): key(f"{name} of 6"), key("labels"): [int(l) for l in labels], key("data"): data,
              key("filenames"): [key(f"img_{i}.png") for i in range(PER_BATCH)]}, folder / name)
if style == "bin":
    (folder / "batches.meta.txt").write_text("\n".join(CLASSES) + "\n\n")
else:
    dump({key("num_cases_per_batch"): PER_BATCH, key("label_names"): [key(c) for c in CLASSES], key("num_vis"): 3072}, folder / "batches.meta")
save_file(expected, str(out / "expected.safetensors"))
