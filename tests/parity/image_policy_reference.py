"""Odd and hostile image files, with what PIL does with each.

Writes <out>/images/<name> and <out>/verdicts.json: for every file, PIL's verdict with
LOAD_TRUNCATED_IMAGES off and on ("ok" or the exception's text) and, when it opens, the
pixels after .convert("RGB") in <out>/pixels.safetensors (uint8 [h, w, 3]).
"""
import io, json, os, struct, sys, zlib

import numpy as np
import torch
from PIL import Image, ImageFile
from safetensors.torch import save_file

out = sys.argv[1]
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
os.makedirs(f"{out}/images", exist_ok=True)
rng = np.random.default_rng(seed)


def photo(h, w):
    """Smooth colour gradients with noise: compresses like a photograph."""
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x * 255 / w, y * 255 / h, (x + y) * 127 / (w + h)], -1)
    return np.clip(base + rng.normal(0, 12, (h, w, 3)), 0, 255).astype(np.uint8)


def saved(array, fmt, **kw):
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, fmt, **kw)
    return buf.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width, height, depth, colour, raw, interlace=0):
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


files = {}
h, w = int(rng.integers(40, 90)), int(rng.integers(40, 90))
baseline = saved(photo(h, w), "JPEG", quality=int(rng.integers(70, 95)))
progressive = saved(photo(h, w), "JPEG", quality=85, progressive=True)
files["whole.jpg"] = baseline
files["whole-progressive.jpg"] = progressive
# Cut anywhere between the scan's start and the end marker.
for i, frac in enumerate(sorted(rng.uniform(0.35, 0.95, 4))):
    files[f"cut{i}.jpg"] = baseline[: int(len(baseline) * frac)]
files["cut-third.jpg"] = baseline[: len(baseline) // 3]
files["no-end-marker.jpg"] = baseline[:-2]
files["trailing-bytes.jpg"] = baseline + b"\0" * 7
files["cut-progressive.jpg"] = progressive[: int(len(progressive) * 0.7)]
files["empty.jpg"] = b""
files["header-only.jpg"] = baseline[:20]
rgb = photo(h, w)
files["whole.png"] = saved(rgb, "PNG")
raw = b"".join(b"\0" + rgb[y].tobytes() for y in range(h))
# A PNG whose compressed data stops early: PIL keeps the rows it could decode.
whole = png(w, h, 8, 2, raw)
idat = whole.index(b"IDAT")
length = struct.unpack(">I", whole[idat - 4 : idat])[0]
files["cut.png"] = whole[: idat + 4 + length // 2]
grey16 = rng.integers(0, 65536, (h, w), dtype=np.uint16)
grey16[0, :4] = [0, 255, 256, 300]
files["grey16.png"] = png(w, h, 16, 0, b"".join(b"\0" + grey16[y].astype(">u2").tobytes() for y in range(h)))
rgb16 = rng.integers(0, 65536, (h, w, 3), dtype=np.uint16)
files["rgb16.png"] = png(w, h, 16, 2, b"".join(b"\0" + rgb16[y].astype(">u2").tobytes() for y in range(h)))
# Decompression bombs: tiny files declaring huge images.
files["bomb.png"] = png(20000, 20000, 8, 0, b"\0" * 64)
sof = baseline.index(b"\xff\xc0") if b"\xff\xc0" in baseline else baseline.index(b"\xff\xc2")
files["bomb.jpg"] = baseline[: sof + 5] + struct.pack(">HH", 60000, 60000) + baseline[sof + 9 :]
files["gif-named.jpg"] = saved(photo(16, 16), "GIF")
files["webp-named.jpg"] = saved(photo(16, 16), "WEBP")
files["tiff-named.png"] = saved(photo(16, 16), "TIFF")
files["text.jpg"] = b"not an image at all\n"

verdicts, pixels = {}, {}
for name, data in files.items():
    with open(f"{out}/images/{name}", "wb") as f:
        f.write(data)
    verdict = {}
    for load in (False, True):
        ImageFile.LOAD_TRUNCATED_IMAGES = load
        key = "truncated_ok" if load else "default"
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
                arr = np.asarray(im.convert("RGB"))
            verdict[key] = "ok"
            pixels[f"{key}/{name}"] = torch.from_numpy(arr.copy())
        except Exception as e:  # PIL's refusal, by type and text
            verdict[key] = f"{type(e).__name__}: {e}"
    verdicts[name] = verdict
ImageFile.LOAD_TRUNCATED_IMAGES = False
with open(f"{out}/verdicts.json", "w") as f:
    json.dump(verdicts, f, indent=1)
save_file(pixels, f"{out}/pixels.safetensors")
