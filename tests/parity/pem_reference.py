"""Module arithmetic in PEFT, for the parity of adaptlab's operators: three random LoRA
adapters on one tiny random ViT (first and second with r=4, alpha=8; third with r=2,
alpha=6; non-zero B), combined with `add_weighted_adapter` in its linear, cat and svd forms.

usage: pem_reference.py DIR          writes DIR/saved/{first,second,third} (PEFT adapters) and
                                     DIR/combined.safetensors (the combined adapters' tensors)
       pem_reference.py DIR ADAPTER  loads an adapter written by adaptlab into the same model
                                     with PeftModel.from_pretrained and runs it
"""
import sys

import torch
from peft import LoraConfig, get_peft_model
from peft.utils import get_peft_model_state_dict
from safetensors.torch import save_file
from transformers import ViTConfig, ViTForImageClassification

directory = sys.argv[1]
torch.manual_seed(0)
base = ViTForImageClassification(ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, image_size=32, patch_size=8, num_labels=5))
if len(sys.argv) > 2:
    from peft import PeftModel

    loaded = PeftModel.from_pretrained(base, sys.argv[2]).eval()
    with torch.no_grad():
        logits = loaded(pixel_values=torch.randn(1, 3, 32, 32)).logits
    assert torch.isfinite(logits).all()
    sys.exit(0)
targets = ["query", "value"]
model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=targets), adapter_name="first")
model.add_adapter("second", LoraConfig(r=4, lora_alpha=8, target_modules=targets))
model.add_adapter("third", LoraConfig(r=2, lora_alpha=6, target_modules=targets))
with torch.no_grad():
    for name, p in model.named_parameters():
        if "lora_" in name:
            p.copy_(torch.randn_like(p) * 0.3)
for name in ["first", "second", "third"]:
    model.save_pretrained(f"{directory}/saved", selected_adapters=[name])
model.add_weighted_adapter(["first", "second"], [0.7, 0.5], "linear", combination_type="linear")
model.add_weighted_adapter(["first", "second", "third"], [0.6, 0.3, 0.8], "cat", combination_type="cat")
model.add_weighted_adapter(["first", "second", "third"], [0.6, 0.3, 0.8], "svd", combination_type="svd")
model.add_weighted_adapter(["first", "second", "third"], [0.6, 0.3, 0.8], "svd2", combination_type="svd", svd_rank=2)
out = {}
for name in ["linear", "cat", "svd", "svd2"]:
    for key, tensor in get_peft_model_state_dict(model, adapter_name=name).items():
        out[f"{name}/{key.replace('base_model.model.', '')}"] = tensor.detach().clone().contiguous()
save_file(out, f"{directory}/combined.safetensors")
