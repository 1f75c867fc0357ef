"""Token ids from open_clip's SimpleTokenizer for the Rust tokenizer parity test.

Corpus: ImageNet class names and all open_clip templates filled with them, plus
seeded random strings mixing punctuation, scripts, emoji, HTML entities, curly quotes,
full-width forms, ligatures, whitespace and control characters. Strings whose result
depends on ftfy's mojibake repair (fix_encoding, a heuristic adaptlab does not
reproduce) are left out, and counted in the output.

usage: tokenizer_reference.py OUT.json
"""
import json
import random
import sys

import ftfy
from open_clip import tokenizer as oc_tok
from open_clip.zero_shot_metadata import IMAGENET_CLASSNAMES, OPENAI_IMAGENET_TEMPLATES, SIMPLE_IMAGENET_TEMPLATES

PIECES = [
    "dog", "Dog", "DOG'S", "I'M", "they'll", "we've", "it'd", "you're", "isn't", "Chihuahua", "Saint-Bernard",
    "Shih-Tzu", "Bull Mastiff", "a photo of a", "itap of", "!", "?", "...", ",", ";", ":", "(", ")", "[", "]",
    "{", "}", "\"", "'", "-", "_", "/", "\\", "@", "#", "$", "%", "^", "*", "+", "=", "~", "`", "|",
    "123", "3.14", "2nd", "٣", "۴۵", "½", "²", "Ⅻ",
    "café", "naïve", "Ærø", "Straße", "İstanbul", "ΣΊΣΥΦΟΣ", "Москва", "日本の犬", "강아지", "سگ ژرمن شپرد",
    "کتاب‌ها", "עברית", "हिन्दी", "ไทย", "🐶", "🐕‍🦺", "👍🏽", "❤️",
    "&amp;", "&lt;b&gt;", "&eacute;", "&NTILDE;", "&#39;", "&#x263A;", "&copy", "&notit;", "&amp;amp;",
    "“quoted”", "‘single’", "ﬁne", "ﬂower", "ＡＢＣ", "１２３", "ｶﾀｶﾅ", "\u3000", "\u00a0", "\t", "\n", "\r\n",
    "\u2028", "\u200b", "\u200c", "\x1b[31m", "\x07", "\ufeff", "\u0085",
    "<start_of_text>", "<END_OF_TEXT>", "e\u0301", "Å", "Å",
]


def corpus():
    names = list(IMAGENET_CLASSNAMES)
    texts = list(names)
    for i, template in enumerate(OPENAI_IMAGENET_TEMPLATES + SIMPLE_IMAGENET_TEMPLATES):
        for name in names[i * 7 % 1000: i * 7 % 1000 + 12]:
            texts.append(template(name))
    rng = random.Random(7)
    for _ in range(2500):
        k = rng.randint(1, 8)
        sep = rng.choice([" ", "", " ", "  ", "-"])
        texts.append(sep.join(rng.choice(PIECES) for _ in range(k)))
    texts += ["", " ", "a" * 300, "dog " * 100, "x" * 5 + "y" * 80]
    return texts


def main(out_path):
    tokenizer = oc_tok.SimpleTokenizer()
    kept, skipped = [], 0
    for text in corpus():
        if ftfy.fix_text(text) != ftfy.fix_text(text, fix_encoding=False):
            skipped += 1
            continue
        ids = tokenizer([text])[0].tolist()
        kept.append({"text": text, "ids": ids})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"cases": kept, "skipped_mojibake": skipped}, f, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
