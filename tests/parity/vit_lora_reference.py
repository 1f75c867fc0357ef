"""A random-weight ViT-Base (the in21k config) with a 101-class head and a PEFT LoRA
adapter (r=16 on query/value, classifier trained in full, non-zero B), for the ViT+LoRA
parity test.

usage: vit_lora_reference.py make DIR    writes DIR/base (ViTModel files as the hub has
                                         them), DIR/adapter (PEFT), DIR/reference.safetensors
       vit_lora_reference.py load DIR ADAPTER OUT   logits of base + an adapter saved by adaptlab
"""
import json
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import ViTConfig, ViTForImageClassification, ViTModel


def base_model(directory):
    config = ViTConfig.from_pretrained(f"{directory}/base")
    config.num_labels = 101
    torch.manual_seed(1)
    model = ViTForImageClassification.from_pretrained(f"{directory}/base", config=config)
    return model.eval()


def make(directory):
    torch.manual_seed(0)
    config = ViTConfig()  # google/vit-base-patch16-224-in21k's architecture
    encoder = ViTModel(config, add_pooling_layer=True)
    with torch.no_grad():
        for p in encoder.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    encoder.save_pretrained(f"{directory}/base", safe_serialization=True)

    model = base_model(directory)
    lora = LoraConfig(r=16, lora_alpha=16, target_modules=["query", "value"], lora_dropout=0.0, bias="none", modules_to_save=["classifier"])
    peft_model = get_peft_model(model, lora)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn_like(p) * 0.05)
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in peft_model.parameters())
    peft_model.save_pretrained(f"{directory}/adapter")

    torch.manual_seed(2)
    pixels = torch.randn(2, 3, 224, 224)
    labels = torch.tensor([3, 77])
    peft_model.eval()
    logits = peft_model(pixel_values=pixels).logits
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward()
    grads = {}
    for name, p in peft_model.named_parameters():
        if p.grad is not None and "layer.0." in name and "lora_" in name:
            key = name.replace("base_model.model.", "").replace(".default", "")
            grads[f"grad.{key}"] = p.grad.detach().clone()
    with torch.no_grad():
        merged = peft_model.merge_and_unload()(pixel_values=pixels).logits
    save_file({"pixels": pixels, "labels": labels, "logits": logits.detach(), "merged": merged, **grads}, f"{directory}/reference.safetensors")
    with open(f"{directory}/counts.json", "w") as fh:
        json.dump({"trainable": trainable, "total": total}, fh)


def load(directory, adapter, out):
    model = PeftModel.from_pretrained(base_model(directory), adapter).eval()
    pixels = load_file(f"{directory}/reference.safetensors")["pixels"]
    with torch.no_grad():
        save_file({"logits": model(pixel_values=pixels).logits}, out)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        load(sys.argv[2], sys.argv[3], sys.argv[4])
