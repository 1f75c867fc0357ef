"""Loads adaptlab's demo LM folder with transformers (AutoTokenizer, AutoModelForCausalLM)
and writes the ids of a Persian prompt and the model's logits for them.

    demo_lm_reference.py DIR OUT.safetensors TEXT
"""
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM, AutoTokenizer

folder, out, text = sys.argv[1], sys.argv[2], sys.argv[3]
tok = AutoTokenizer.from_pretrained(folder)
model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="sdpa").eval()
ids = torch.tensor([tok(text)["input_ids"]])
with torch.no_grad():
    logits = model(input_ids=ids).logits
save_file({"ids": ids, "logits": logits.contiguous()}, out)
