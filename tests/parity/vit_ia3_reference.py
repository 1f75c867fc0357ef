"""A random-weight ViT (a ViT-Base-shaped config, fewer layers for speed) with a 10-class
head and a PEFT (IA)³ adapter on keys, values and the FFN's second projection (the vectors
set to non-trivial values, the classifier trained in full), for the (IA)³ parity test.

usage: vit_ia3_reference.py make DIR    writes DIR/base (ViTModel files as the hub has them),
                                        DIR/adapter (PEFT), DIR/reference.safetensors, counts.json
       vit_ia3_reference.py load DIR ADAPTER OUT   logits of base + an adapter saved by adaptlab
"""
import json
import sys

import torch
from peft import IA3Config, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import ViTConfig, ViTForImageClassification, ViTModel

TARGETS = r".*\.(key|value|layer\.\d+\.output\.dense)"
FEEDFORWARD = r".*\.layer\.\d+\.output\.dense"


def base_model(directory):
    config = ViTConfig.from_pretrained(f"{directory}/base")
    config.num_labels = 10
    torch.manual_seed(1)
    model = ViTForImageClassification.from_pretrained(f"{directory}/base", config=config)
    return model.eval()


def make(directory):
    torch.manual_seed(0)
    config = ViTConfig(num_hidden_layers=3)  # ViT-Base widths, three layers
    encoder = ViTModel(config, add_pooling_layer=True)
    with torch.no_grad():
        for p in encoder.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    encoder.save_pretrained(f"{directory}/base", safe_serialization=True)

    model = base_model(directory)
    ia3 = IA3Config(target_modules=TARGETS, feedforward_modules=FEEDFORWARD, modules_to_save=["classifier"])
    peft_model = get_peft_model(model, ia3)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "ia3_l" in name:
                p.copy_(0.5 + torch.rand_like(p))
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    peft_model.save_pretrained(f"{directory}/adapter")

    torch.manual_seed(2)
    pixels = torch.randn(2, 3, 224, 224)
    peft_model.eval()
    with torch.no_grad():
        logits = peft_model(pixel_values=pixels).logits
        merged = peft_model.merge_and_unload()(pixel_values=pixels).logits
    save_file({"pixels": pixels, "logits": logits, "merged": merged}, f"{directory}/reference.safetensors")
    with open(f"{directory}/counts.json", "w") as fh:
        json.dump({"trainable": trainable}, fh)


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
