"""Prompt tuning against peft (PromptTuningConfig on a causal LM).

make ROOT: a random GPT-2 with a byte-level BPE trained here on Persian text (ROOT/base),
a peft prompt with TEXT initialisation saved as initialised (ROOT/peft_init) and after a
perturbation (ROOT/peft_trained), and that prompted model's logits, loss and prompt
gradient on a right-padded batch with labels (ROOT/reference.safetensors, ROOT/init.json).
check ROOT ADAPTER: the logits of peft loading ADAPTER onto ROOT/base for the same batch
(ROOT/check.safetensors).
lora ROOT: LoRA with peft's default targets (GPT-2's c_attn; Qwen2's q_proj and v_proj)
on ROOT/base and on a random Qwen2 (ROOT/qwen2), its pairs randomised so they matter;
the adapters (ROOT/lora_gpt2, ROOT/lora_qwen2) and each model's logits on the batch
(ROOT/lora_<name>.safetensors).
"""
import json
import os
import sys

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lm_reference import byte_level  # noqa: E402

INIT_TEXT = "نظر را مثبت یا منفی دسته\u200cبندی کن:"


def batch(vocab):
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(0, vocab, (2, 10), generator=g)
    mask = torch.ones(2, 10, dtype=torch.long)
    mask[1, 7:] = 0  # right padding, as training batches are
    labels = ids.masked_fill(mask == 0, -100)
    return ids, mask, labels


def make(root):
    from peft import PromptTuningConfig, PromptTuningInit, get_peft_model
    from transformers import AutoModelForCausalLM, GPT2Config, PreTrainedTokenizerFast
    tok = byte_level(None, ["<|endoftext|>"], 600)
    base_dir = os.path.join(root, "base")
    os.makedirs(base_dir, exist_ok=True)
    tok.save(os.path.join(base_dir, "tokenizer.json"))
    fast = PreTrainedTokenizerFast(tokenizer_file=os.path.join(base_dir, "tokenizer.json"), bos_token="<|endoftext|>", eos_token="<|endoftext|>")
    fast.save_pretrained(base_dir)
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=tok.get_vocab_size(), n_embd=64, n_layer=2, n_head=4, n_positions=128, bos_token_id=0, eos_token_id=0)
    AutoModelForCausalLM.from_config(cfg).save_pretrained(base_dir)
    base = AutoModelForCausalLM.from_pretrained(base_dir, attn_implementation="sdpa")
    pcfg = PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=8, prompt_tuning_init=PromptTuningInit.TEXT,
                              prompt_tuning_init_text=INIT_TEXT, tokenizer_name_or_path=base_dir)
    model = get_peft_model(base, pcfg)
    model.save_pretrained(os.path.join(root, "peft_init"))
    with torch.no_grad():
        emb = model.prompt_encoder["default"].embedding.weight
        emb.add_(torch.randn(emb.shape, generator=torch.Generator().manual_seed(5)) * 0.1)
    model.save_pretrained(os.path.join(root, "peft_trained"))
    model.eval()
    ids, mask, labels = batch(cfg.vocab_size)
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    out.loss.backward()
    grad = model.prompt_encoder["default"].embedding.weight.grad
    save_file({"ids": ids, "mask": mask, "labels": labels, "logits": out.logits.detach().contiguous(), "loss": out.loss.detach().reshape(1),
               "grad": grad.contiguous()}, os.path.join(root, "reference.safetensors"))
    with open(os.path.join(root, "init.json"), "w", encoding="utf-8") as f:
        json.dump({"text": INIT_TEXT, "ids": fast(INIT_TEXT)["input_ids"]}, f, ensure_ascii=False)


def check(root, adapter):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM
    base = AutoModelForCausalLM.from_pretrained(os.path.join(root, "base"), attn_implementation="sdpa")
    model = PeftModel.from_pretrained(base, adapter).eval()
    ref = load_file(os.path.join(root, "reference.safetensors"))
    with torch.no_grad():
        logits = model(input_ids=ref["ids"], attention_mask=ref["mask"]).logits
    save_file({"logits": logits.contiguous()}, os.path.join(root, "check.safetensors"))


def lora(root):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, Qwen2Config
    ref = load_file(os.path.join(root, "reference.safetensors"))
    gpt2 = AutoModelForCausalLM.from_pretrained(os.path.join(root, "base"), attn_implementation="sdpa")
    vocab = gpt2.config.vocab_size
    torch.manual_seed(1)
    qcfg = Qwen2Config(vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=True)
    qwen_dir = os.path.join(root, "qwen2")
    AutoModelForCausalLM.from_config(qcfg).save_pretrained(qwen_dir)
    qwen = AutoModelForCausalLM.from_pretrained(qwen_dir, attn_implementation="sdpa")
    for name, base, targets in [("gpt2", gpt2, ["c_attn"]), ("qwen2", qwen, ["q_proj", "v_proj"])]:
        model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=targets, fan_in_fan_out=name == "gpt2"))
        g = torch.Generator().manual_seed(7)
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if "lora_" in pname:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.1)
        model.save_pretrained(os.path.join(root, f"lora_{name}"))
        model.eval()
        with torch.no_grad():
            logits = model(input_ids=ref["ids"], attention_mask=ref["mask"]).logits
        save_file({"logits": logits.contiguous()}, os.path.join(root, f"lora_{name}.safetensors"))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "lora":
        lora(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
