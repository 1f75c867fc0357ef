"""Reference outputs for the causal LM engine, from transformers and tokenizers.

make ROOT: tokenizers trained here on Persian text in four layouts (GPT-2 byte-level,
Qwen2 and Llama-3 split+byte-level, Llama-2 SentencePiece-style with byte fallback), the
ids of test strings, chat templates rendered by apply_chat_template, and three random-weight
models saved as the hub saves them: a gpt2-fa-shaped GPT-2 (pytorch_model.bin only), a
Qwen2.5-0.5B-shaped Qwen2 (depth 4) and a Llama-3-shaped Llama (sharded safetensors), each
with left-padded logits and 64 greedy tokens from `generate`.
"""
import json
import os
import sys

import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "..", "fixtures", "chat_templates")

TEXTS = [
    "سلام دنیا",
    "می\u200cخواهم کتاب\u200cها را بخوانم.",
    "كتاب علي در خانه است",  # Arabic kaf and yeh
    "کتاب علی در خانه است",  # Persian kaf and yeh
    "قیمت ۱۲۳۴ تومان و ٥٦٧ ریال، یعنی 890",
    "این فیلم عالی بود 😀👍🏽",
    "GPT-2 و Llama مدل‌های زبانی هستند (LLMs).",
    "  فاصله‌های   زیاد\n\nو خط جدید\t",
    "علی ۳ سیب داشت و ۵ سیب دیگر خرید. چند سیب دارد؟ پاسخ: ۸",
    "",
]

CORPUS_SEED = [
    "این محصول خیلی خوب بود و از خرید آن راضی هستم",
    "کیفیت غذا افتضاح بود و دیر رسید",
    "علی {a} سیب داشت و {b} سیب دیگر خرید. اکنون {c} سیب دارد.",
    "مریم {a} کتاب دارد. او {b} کتاب به دوستش داد. پس {c} کتاب برایش ماند.",
    "The model reads English words too, and numbers like {a} and {b}.",
    "کتاب\u200cها، دفترها و مدادها روی میز هستند؛ ۱۲ عدد.",
]


def corpus():
    lines = []
    for i in range(300):
        for s in CORPUS_SEED:
            lines.append(s.format(a=i % 17, b=(i * 7) % 13, c=i % 17 + (i * 7) % 13))
    return lines


QWEN_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def byte_level(split, specials, vocab):
    tok = Tokenizer(models.BPE())
    if split is None:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(split), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus(), trainer)
    return tok


def sentencepiece_style(vocab):
    tok = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>", fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False)
    tok.train_from_iterator(corpus(), trainer)
    # Byte-fallback pieces are ordinary vocabulary entries in Llama's tokenizer.
    raw = json.loads(tok.to_str())
    v = raw["model"]["vocab"]
    for b in range(256):
        v.setdefault(f"<0x{b:02X}>", len(v))
    tok = Tokenizer.from_str(json.dumps(raw))
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def tokenizers_spec():
    llama3 = byte_level(LLAMA3_SPLIT, ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"], 900)
    llama3.post_processor = processors.TemplateProcessing(single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", llama3.token_to_id("<|begin_of_text|>"))])
    return {
        "gpt2": (byte_level(None, ["<s>", "<pad>", "</s>", "<unk>", "<|endoftext|>"], 700), {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"}, None),
        "qwen2": (byte_level(QWEN_SPLIT, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], 800), {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}, "qwen2_5.jinja"),
        "llama3": (llama3, {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}, "llama3.jinja"),
        "sentencepiece": (sentencepiece_style(600), {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}, None),
    }


CHATS = [
    [{"role": "user", "content": "سلام! حالت چطوره؟"}],
    [{"role": "system", "content": "تو یک دستیار فارسی‌زبان هستی."}, {"role": "user", "content": " ۲ + ۳ چند می‌شود؟ "},
     {"role": "assistant", "content": "۵"}, {"role": "user", "content": "و ۷ × ۸؟"}],
]


def save_tokenizers(root):
    from transformers import PreTrainedTokenizerFast
    out = {"texts": TEXTS, "ids": {}, "ids_plain": {}, "decoded": {}, "chat": {}}
    for name, (tok, special, template) in tokenizers_spec().items():
        d = os.path.join(root, "tok_" + name)
        os.makedirs(d, exist_ok=True)
        tok.save(os.path.join(d, "tokenizer.json"))
        config = dict(special)
        if template:
            with open(os.path.join(TEMPLATES, template), encoding="utf-8") as f:
                config["chat_template"] = f.read()
        with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False)
        fast = PreTrainedTokenizerFast(tokenizer_file=os.path.join(d, "tokenizer.json"), **special)
        out["ids"][name] = [fast(t)["input_ids"] for t in TEXTS]
        out["ids_plain"][name] = [fast(t, add_special_tokens=False)["input_ids"] for t in TEXTS]
        out["decoded"][name] = [fast.decode(fast(t, add_special_tokens=False)["input_ids"]) for t in TEXTS]
        if template:
            fast.chat_template = config["chat_template"]
            out["chat"][name] = [
                {"messages": m, "generation_prompt": g, "text": fast.apply_chat_template(m, tokenize=False, add_generation_prompt=g),
                 "ids": fast.apply_chat_template(m, tokenize=True, add_generation_prompt=g)}
                for m in CHATS for g in (False, True)
            ]
    with open(os.path.join(root, "tokenizers.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


def model_configs():
    from transformers import GPT2Config, LlamaConfig, MistralConfig, Qwen2Config
    gpt2 = GPT2Config(vocab_size=42001, n_positions=1024, n_embd=768, n_layer=12, n_head=12, activation_function="gelu_new",
                      bos_token_id=0, eos_token_id=2, pad_token_id=1)
    qwen = Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=4, num_attention_heads=14,
                       num_key_value_heads=2, max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                       tie_word_embeddings=True, use_sliding_window=False, bos_token_id=151643, eos_token_id=151645)
    # Llama 3's vocabulary, head size, GQA ratio, rope base and rope scaling; two layers of
    # width 1024 (one full-width layer plus its 128k-row embeddings is 5 GB in fp32).
    llama = LlamaConfig(vocab_size=128256, hidden_size=1024, intermediate_size=3584, num_hidden_layers=2, num_attention_heads=8,
                        num_key_value_heads=2, head_dim=128, max_position_embeddings=131072, rope_theta=500000.0, rms_norm_eps=1e-5,
                        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                      "original_max_position_embeddings": 8192},
                        tie_word_embeddings=False, bos_token_id=128000, eos_token_id=[128001, 128009])
    # Mistral's sliding window, small enough (6) that the 12-token prompts and the 64 new
    # tokens attend through it.
    mistral = MistralConfig(vocab_size=1000, hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                            num_key_value_heads=2, max_position_embeddings=4096, sliding_window=6, rope_theta=10000.0,
                            bos_token_id=1, eos_token_id=2)
    return {"gpt2": gpt2, "qwen2": qwen, "llama": llama, "mistral": mistral}


def save_models(root, only=None):
    from transformers import AutoModelForCausalLM
    from safetensors.torch import save_file
    torch.manual_seed(0)
    for name, cfg in model_configs().items():
        if only and name != only:
            continue
        cfg._attn_implementation = "sdpa"
        model = AutoModelForCausalLM.from_config(cfg).eval()
        d = os.path.join(root, name)
        if name == "gpt2":
            # gpt2-fa's main branch holds only a zip-format pytorch_model.bin.
            model.save_pretrained(d, safe_serialization=False)
        elif name == "llama":
            model.save_pretrained(d, max_shard_size="300MB")
        else:
            model.save_pretrained(d)
        g = torch.Generator().manual_seed(1)
        vocab = cfg.vocab_size
        ids = torch.randint(0, vocab, (2, 12), generator=g)
        mask = torch.ones(2, 12, dtype=torch.long)
        mask[1, :5] = 0  # the second prompt is 7 tokens, left-padded
        pad = cfg.pad_token_id if cfg.pad_token_id is not None else 0
        ids[1, :5] = pad
        with torch.no_grad():
            positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
            logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
            gen = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=64, do_sample=False, pad_token_id=pad,
                                 eos_token_id=None, min_new_tokens=64)
        save_file({"input_ids": ids, "attention_mask": mask, "logits": logits.contiguous(), "generated": gen[:, 12:].contiguous()},
                  os.path.join(d, "reference.safetensors"))


def main():
    cmd, root = sys.argv[1], sys.argv[2]
    os.makedirs(root, exist_ok=True)
    if cmd == "tokenizers":
        save_tokenizers(root)
    elif cmd == "models":
        save_models(root, sys.argv[3] if len(sys.argv) > 3 else None)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
