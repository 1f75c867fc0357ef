"""The Python side of `adaptlab bench clip`: open_clip on the same weights and images.

Serves measurements line by line: after a {"ready": true} line it reads a measure's name
per line ("preprocess": images/s on one thread through PIL + open_clip's torchvision
transform; "end_to_end": zero-shot images/s with a DataLoader) and answers one JSON line.
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

    def preprocess():
        torch.set_num_threads(1)
        start = time.perf_counter()
        for p in paths:
            with Image.open(p) as img:
                transform(img)
        rate = len(paths) / (time.perf_counter() - start)
        torch.set_num_threads(threads)
        return rate

    def end_to_end():
        start = time.perf_counter()
        with torch.no_grad():
            text = torch.nn.functional.normalize(model.encode_text(tokenizer([f"a photo of a class {i}." for i in range(classes)])), dim=-1)
            loader = torch.utils.data.DataLoader(Images(paths, transform), batch_size=batch, num_workers=workers)
            for pixels in loader:
                feats = torch.nn.functional.normalize(model.encode_image(pixels), dim=-1)
                (feats @ text.T).argmax(dim=-1)
        return len(paths) / (time.perf_counter() - start)

    # Rounds are asked for one line at a time, so the caller can alternate them with its own.
    measures = {"preprocess": preprocess, "end_to_end": end_to_end}
    print(json.dumps({"ready": True, "threads": threads}), flush=True)
    for line in sys.stdin:
        name = line.strip()
        print(json.dumps({name: measures[name]()}), flush=True)


if __name__ == "__main__":
    a = sys.argv
    main(a[1], a[2], a[3], int(a[4]), int(a[5]), int(a[6]))
