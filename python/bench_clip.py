"""The Python side of `adaptlab bench clip`: open_clip on the same weights and images.

Prints one JSON object: preprocessing images/s on one thread (PIL + open_clip's
torchvision transform) and end-to-end zero-shot images/s with a DataLoader.
usage: bench_clip.py MODEL WEIGHTS IMAGE_DIR BATCH WORKERS CLASSES
"""
import json
import sys
import time
from pathlib import Path

import open_clip
import torch
from PIL import Image
from safetensors.torch import load_file


class Images(torch.utils.data.Dataset):
    def __init__(self, paths, transform):
        self.paths, self.transform = paths, transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with Image.open(self.paths[i]) as img:
            return self.transform(img)


def main(model_name, weights, image_dir, batch, workers, classes):
    paths = sorted(Path(image_dir).glob("*.jpg"))
    model = open_clip.create_model(model_name, pretrained=None)
    model.load_state_dict(load_file(weights), strict=True)
    model.eval()
    transform = open_clip.image_transform(model.visual.image_size[0], is_train=False)
    tokenizer = open_clip.get_tokenizer(model_name)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    start = time.perf_counter()
    for p in paths:
        with Image.open(p) as img:
            transform(img)
    preprocess = len(paths) / (time.perf_counter() - start)
    torch.set_num_threads(threads)

    start = time.perf_counter()
    with torch.no_grad():
        text = torch.nn.functional.normalize(model.encode_text(tokenizer([f"a photo of a class {i}." for i in range(classes)])), dim=-1)
        loader = torch.utils.data.DataLoader(Images(paths, transform), batch_size=batch, num_workers=workers)
        for pixels in loader:
            feats = torch.nn.functional.normalize(model.encode_image(pixels), dim=-1)
            (feats @ text.T).argmax(dim=-1)
    end_to_end = len(paths) / (time.perf_counter() - start)
    print(json.dumps({"preprocess_per_core": preprocess, "end_to_end": end_to_end, "threads": threads}))


if __name__ == "__main__":
    a = sys.argv
    main(a[1], a[2], a[3], int(a[4]), int(a[5]), int(a[6]))
