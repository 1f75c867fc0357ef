"""The reference side of `adaptlab bench lm`: transformers' `generate` on the same
random-weight model folder adaptlab loads.

    bench_lm.py make DIR gpt2|qwen2      save a random GPT-2 small or Qwen2.5-0.5B-shaped model
    bench_lm.py serve DIR THREADS        then one request per line on stdin:
        prefill BATCH PROMPT fp32|bf16       → {"prefill": prompt tokens/s}
        decode BATCH PROMPT NEW fp32|bf16    → {"decode": new tokens/s (generate minus its prefill)}
"""
import json
import sys
import time

import torch


def make(path, kind):
    from transformers import AutoModelForCausalLM, GPT2Config, Qwen2Config
    torch.manual_seed(0)
    if kind == "gpt2":
        cfg = GPT2Config()  # 124M: 12 × 768, vocabulary 50257
    else:
        cfg = Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                          num_key_value_heads=2, max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                          tie_word_embeddings=True, use_sliding_window=False, bos_token_id=151643, eos_token_id=151645)
    AutoModelForCausalLM.from_config(cfg).save_pretrained(path)


def serve(path, threads):
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(threads)
    models = {}

    def model(dtype):
        if dtype not in models:
            models[dtype] = AutoModelForCausalLM.from_pretrained(path, torch_dtype=torch.float32 if dtype == "fp32" else torch.bfloat16).eval()
        return models[dtype]

    def prompt(m, batch, length):
        g = torch.Generator().manual_seed(batch * 1000 + length)
        return torch.randint(0, m.config.vocab_size, (batch, length), generator=g)

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        with torch.inference_mode():
            if parts[0] == "prefill":
                batch, length, dtype = int(parts[1]), int(parts[2]), parts[3]
                m = model(dtype)
                ids = prompt(m, batch, length)
                start = time.perf_counter()
                m(input_ids=ids, use_cache=True)
                print(json.dumps({"prefill": batch * length / (time.perf_counter() - start)}), flush=True)
            elif parts[0] == "decode":
                batch, length, new, dtype = int(parts[1]), int(parts[2]), int(parts[3]), parts[4]
                m = model(dtype)
                ids = prompt(m, batch, length)
                start = time.perf_counter()
                m(input_ids=ids, use_cache=True)
                prefill = time.perf_counter() - start
                start = time.perf_counter()
                m.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=new, min_new_tokens=new,
                           pad_token_id=0, eos_token_id=None)
                total = time.perf_counter() - start
                print(json.dumps({"decode": batch * new / max(total - prefill, 1e-9)}), flush=True)
            else:
                print(json.dumps({"error": f"unknown request {parts[0]}"}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        serve(sys.argv[2], int(sys.argv[3]))
