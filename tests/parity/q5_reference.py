"""Reference outputs for Q5 beyond the model parity of vit_lora_reference.py.

  q5_reference.py transforms OUT_DIR
      real photographs and odd sizes, with torchvision's eval transform (Resize(224)
      bilinear + CenterCrop(224), normalise 0.5), ViTImageProcessor's squash, and
      F.resized_crop at a fixed box + hflip (the train transform with its draw fixed)
  q5_reference.py predict BASE_DIR ADAPTER_DIR OUT IMAGE...
      class probabilities of transformers + peft on images, with the notebook's eval
      transform (the image size is the model's)
  q5_reference.py parquet OUT_DIR
      a tiny Food-101 in the hub's parquet layout, written as `datasets` writes it
      (image struct {bytes, path}, int64 label, ClassLabel names in the metadata)
"""
import io
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import skimage.data
import sklearn.datasets
import torch
from PIL import Image
from safetensors.torch import save_file
from torchvision import transforms as T
from torchvision.transforms import functional as F

MEAN = STD = [0.5, 0.5, 0.5]
BOX = (3, 5, 60, 80)  # top, left, height, width


def eval_transform(size):
    return T.Compose([T.Resize(size), T.CenterCrop(size), T.ToTensor(), T.Normalize(MEAN, STD)])


def photos(out: Path):
    sk = Path(skimage.data.__file__).parent
    sl = Path(sklearn.datasets.__file__).parent / "images"
    chosen = [sk / "astronaut.png", sk / "coffee.png", sk / "chelsea.png", sk / "rocket.jpg", sl / "china.jpg", sl / "flower.jpg"]
    names = []
    for p in chosen:
        shutil.copy(p, out / p.name)
        names.append(p.name)
    china = Image.open(sl / "china.jpg")
    for name, img in {"tall_201x777.jpg": china.resize((201, 777)), "gray.jpg": china.convert("L"), "small_90x70.png": china.resize((90, 70))}.items():
        img.save(out / name)
        names.append(name)
    return names


def transforms(out_dir):
    from transformers import ViTImageProcessor

    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    names = photos(out / "images")
    processor = ViTImageProcessor(size={"height": 224, "width": 224}, image_mean=MEAN, image_std=STD)
    tensors = {}
    for i, name in enumerate(names):
        img = Image.open(out / "images" / name).convert("RGB")
        tensors[f"eval.{i}"] = eval_transform(224)(img)
        tensors[f"squash.{i}"] = torch.from_numpy(processor(img, return_tensors="np")["pixel_values"][0].copy())
        crop = F.hflip(F.resized_crop(img, *BOX, [224, 224], interpolation=T.InterpolationMode.BILINEAR))
        tensors[f"crop.{i}"] = T.Normalize(MEAN, STD)(T.ToTensor()(crop))
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(out / "pixels.safetensors"))
    (out / "names.json").write_text(json.dumps({"images": names, "box": BOX}))


def predict(base_dir, adapter_dir, out, images):
    from peft import PeftModel
    from transformers import ViTConfig, ViTForImageClassification

    labels = json.loads((Path(adapter_dir) / "inference.json").read_text())["labels"]
    config = ViTConfig.from_pretrained(base_dir)
    config.num_labels = len(labels)
    model = ViTForImageClassification.from_pretrained(base_dir, config=config)
    model = PeftModel.from_pretrained(model, adapter_dir).eval()
    tf = eval_transform(config.image_size)
    pixels = torch.stack([tf(Image.open(p).convert("RGB")) for p in images])
    with torch.no_grad():
        probs = model(pixel_values=pixels).logits.softmax(-1)
    save_file({"probs": probs.contiguous()}, out)


def parquet(out_dir):
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = ["apple_pie", "baby_back_ribs", "baklava"]
    rng = np.random.default_rng(0)

    def jpeg(label):
        arr = (rng.random((40, 50, 3)) * 60 + label * 80).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, format="JPEG", quality=90)
        return buf.getvalue()

    features = {"image": {"_type": "Image"}, "label": {"names": names, "_type": "ClassLabel"}}
    meta = {b"huggingface": json.dumps({"info": {"features": features}}).encode()}
    schema = pa.schema([("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())])), ("label", pa.int64())], metadata=meta)
    data = Path(out_dir) / "data"
    data.mkdir(parents=True, exist_ok=True)
    shards = {"train-00000-of-00002.parquet": 7, "train-00001-of-00002.parquet": 5, "validation-00000-of-00001.parquet": 4}
    truth = {}
    for shard, count in shards.items():
        labels = [int(x) for x in rng.integers(0, 3, count)]
        images = [{"bytes": jpeg(l), "path": f"{shard}-{i}.jpg"} for i, l in enumerate(labels)]
        if shard.startswith("validation"):
            images[1] = {"bytes": b"not an image", "path": "broken.jpg"}
        pq.write_table(pa.table({"image": images, "label": labels}, schema=schema), data / shard, compression="snappy")
        truth[shard] = labels
    (Path(out_dir) / "truth.json").write_text(json.dumps(truth))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "transforms":
        transforms(sys.argv[2])
    elif mode == "predict":
        predict(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
    elif mode == "parquet":
        parquet(sys.argv[2])
    else:
        sys.exit(f"unknown mode {mode}")
