"""The Python side of `adaptlab bench vit`: transformers' Trainer + peft LoRA on the
same random-weight ViT and the same JPEGs, and ViTImageProcessor's throughput.
Prints one JSON object: steps_per_s, peak_rss_bytes, processor_images_per_s.

  bench_vit.py MODEL_DIR IMAGE_DIR STEPS BATCH THREADS
"""
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image
from peft import LoraConfig, get_peft_model
from torchvision import transforms as T
from transformers import Trainer, TrainerCallback, TrainingArguments, ViTForImageClassification, ViTImageProcessor

model_dir, image_dir, steps, batch, threads = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
paths = sorted(image_dir.glob("*.jpg"))
CLASSES = 10

train_tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize([0.5] * 3, [0.5] * 3)])


class Images(torch.utils.data.Dataset):
    def __init__(self, files):
        self.files = files

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return {"pixel_values": train_tf(Image.open(self.files[i]).convert("RGB")), "labels": i % CLASSES}


def collate(items):
    return {"pixel_values": torch.stack([x["pixel_values"] for x in items]), "labels": torch.tensor([x["labels"] for x in items])}


class StepTimes(TrainerCallback):
    def __init__(self):
        self.times = []

    def on_step_end(self, args, state, control, **kwargs):
        self.times.append(time.perf_counter())


model = ViTForImageClassification.from_pretrained(model_dir, num_labels=CLASSES)
lora = LoraConfig(r=16, lora_alpha=16, target_modules=["query", "value"], lora_dropout=0.1, bias="none", modules_to_save=["classifier"])
model = get_peft_model(model, lora)
timer = StepTimes()
with tempfile.TemporaryDirectory() as out:
    args = TrainingArguments(
        output_dir=out, per_device_train_batch_size=batch, max_steps=steps + 1, learning_rate=5e-3, report_to=[],
        save_strategy="no", logging_strategy="no", use_cpu=True, remove_unused_columns=False, dataloader_num_workers=0,
    )
    Trainer(model=model, args=args, train_dataset=Images(paths[: batch * (steps + 1)]), data_collator=collate, callbacks=[timer]).train()
# The first step warms up; time the rest.
steps_per_s = (len(timer.times) - 1) / (timer.times[-1] - timer.times[0])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

processor = ViTImageProcessor()
start = time.perf_counter()
for p in paths:
    processor(Image.open(p).convert("RGB"), return_tensors="pt")
processor_rate = len(paths) / (time.perf_counter() - start)
print(json.dumps({"steps_per_s": steps_per_s, "peak_rss_bytes": peak, "processor_images_per_s": processor_rate}))
