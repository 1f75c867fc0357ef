"""open_clip eval-transform outputs for the Rust preprocessing parity test.

Also plain PIL resizes (bicubic and bilinear, up and down) of crops at random sizes.

Inputs: real photographs shipped by scikit-image and scikit-learn, and variants
written with PIL: odd sizes, upsampling, greyscale, CMYK, RGBA, LA, palette,
EXIF-rotated, progressive, 4:4:4 and 4:2:0 JPEGs.

usage: preprocess_reference.py OUT_DIR   (writes OUT_DIR/images/* and reference.safetensors)
"""
import shutil
import sys
from pathlib import Path

import open_clip
import skimage.data
import sklearn.datasets
from PIL import Image
from safetensors.torch import save_file

SIZES = (224, 256)


def write_inputs(images: Path) -> list:
    sk = Path(skimage.data.__file__).parent
    sl = Path(sklearn.datasets.__file__).parent / "images"
    real = [sk / n for n in ["rocket.jpg", "retina.jpg", "hubble_deep_field.jpg", "astronaut.png", "coffee.png",
                              "chelsea.png", "camera.png", "coins.png", "logo.png", "motorcycle_left.png"]]
    real += [sl / "china.jpg", sl / "flower.jpg"]
    for p in real:
        shutil.copy(p, images / p.name)
    china = Image.open(sl / "china.jpg").convert("RGB")
    astro = Image.open(sk / "astronaut.png").convert("RGB")
    made = {
        "tall_257x1001.jpg": (china.resize((257, 1001)), dict(quality=90)),
        "wide_1001x257.png": (astro.resize((1001, 257)), {}),
        "tiny_31x17.jpg": (china.resize((31, 17)), dict(quality=95)),
        "tiny_7x5.png": (astro.resize((7, 5)), {}),
        "line_1x300.png": (astro.resize((1, 300)), {}),
        "exact_224.jpg": (china.resize((224, 224)), dict(quality=92)),
        "exact_256.png": (astro.resize((256, 256)), {}),
        "gray.jpg": (china.convert("L"), dict(quality=90)),
        "cmyk.jpg": (china.convert("CMYK"), dict(quality=90)),
        "rgba.png": (Image.merge("RGBA", (*astro.split(), astro.convert("L"))), {}),
        "la.png": (Image.merge("LA", (astro.convert("L"), astro.convert("L").transpose(Image.Transpose.FLIP_LEFT_RIGHT))), {}),
        "palette.png": (astro.quantize(64), {}),
        "progressive.jpg": (astro, dict(quality=85, progressive=True)),
        "subsampling444.jpg": (china, dict(quality=90, subsampling=0)),
        "subsampling420.jpg": (astro, dict(quality=75, subsampling=2)),
    }
    for name, (img, kwargs) in made.items():
        img.save(images / name, **kwargs)
    # EXIF orientation 6: PIL.Image.open does not rotate, and neither does open_clip.
    exif = Image.Exif()
    exif[0x0112] = 6
    china.resize((300, 200)).save(images / "exif_rotated.jpg", exif=exif.tobytes(), quality=90)
    return sorted(p.name for p in images.iterdir())


def main(out: Path) -> None:
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    names = write_inputs(images)
    tensors = {}
    for size in SIZES:
        transform = open_clip.image_transform(size, is_train=False)
        for name in names:
            with Image.open(images / name) as img:
                tensors[f"{name}@{size}"] = transform(img).contiguous()
    # Plain resizes of crops of one photograph at random sizes, both filters, up and down.
    import random
    import torch
    rng = random.Random(11)
    with Image.open(images / "china.jpg") as china:
        china.load()
        for i in range(60):
            w, h = rng.randint(8, 640), rng.randint(8, 427)
            ow, oh = rng.randint(4, 700), rng.randint(4, 700)
            for name, flt in (("bicubic", Image.Resampling.BICUBIC), ("bilinear", Image.Resampling.BILINEAR)):
                out_img = china.crop((0, 0, w, h)).resize((ow, oh), flt)
                tensors[f"resize/{name}/{w}x{h}/{ow}x{oh}"] = torch.frombuffer(bytearray(out_img.tobytes()), dtype=torch.uint8).clone()
    save_file(tensors, str(out / "reference.safetensors"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
