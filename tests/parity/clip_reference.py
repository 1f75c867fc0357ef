"""Reference outputs of open_clip for the Rust parity tests.

Builds an open_clip ConvNeXt CLIP with random weights (pretrained=None, fixed seed),
perturbs every parameter so that no block is near the identity (open_clip starts the
ConvNeXt layer scales at 1e-6), saves the weights in the hub file layout
(open_clip_model.safetensors) and the inputs and outputs adaptlab must reproduce.

usage: clip_reference.py MODEL OUT_DIR
"""
import sys
from pathlib import Path

import open_clip
import torch
from safetensors.torch import save_file

PROMPTS = [
    "a photo of a chihuahua.",
    "a photo of a Japanese spaniel, a type of dog.",
    "itap of the Rhodesian ridgeback!",
    "",
    "a very long prompt " * 20,
]


def main(model_name: str, out: Path) -> None:
    torch.manual_seed(0)
    model = open_clip.create_model(model_name, pretrained=None)
    model.eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("gamma"):
                p.uniform_(0.05, 0.3)
            elif name.endswith("logit_scale"):
                p.fill_(2.5)
            elif p.ndim == 1:
                p.add_(torch.randn_like(p) * 0.05)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "open_clip_model.safetensors"))

    size = model.visual.image_size[0]
    images = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    tokens = open_clip.get_tokenizer(model_name)(PROMPTS)
    with torch.no_grad():
        image_features = model.encode_image(images)
        text_features = model.encode_text(tokens)
        logits = model.logit_scale.exp() * torch.nn.functional.normalize(image_features, dim=-1) @ \
            torch.nn.functional.normalize(text_features, dim=-1).T
    save_file(
        {
            "images": images,
            "tokens": tokens.to(torch.int64),
            "image_features": image_features,
            "text_features": text_features,
            "logits": logits,
        },
        str(out / "reference.safetensors"),
    )
    classify_reference(model, model_name, out)


CLASSIFY_LABELS = ["dog", "temple", "flower", "red car"]
CLASSIFY_TEMPLATE = "a photo of a {}."


def classify_reference(model, model_name: str, out: Path) -> None:
    """Label probabilities for two photographs, as `adaptlab clip classify` reports them."""
    import json
    import shutil

    import sklearn.datasets
    from PIL import Image

    images = Path(sklearn.datasets.__file__).parent / "images"
    preprocess = open_clip.image_transform(model.visual.image_size[0], is_train=False)
    tokens = open_clip.get_tokenizer(model_name)([CLASSIFY_TEMPLATE.format(l) for l in CLASSIFY_LABELS])
    result = []
    with torch.no_grad():
        text = torch.nn.functional.normalize(model.encode_text(tokens), dim=-1)
        for name in ["china.jpg", "flower.jpg"]:
            shutil.copy(images / name, out / name)
            pixels = preprocess(Image.open(images / name)).unsqueeze(0)
            img = torch.nn.functional.normalize(model.encode_image(pixels), dim=-1)
            probs = (model.logit_scale.exp() * img @ text.T).softmax(dim=-1)[0].tolist()
            result.append({"image": name, "probs": dict(zip(CLASSIFY_LABELS, probs))})
    (out / "classify.json").write_text(json.dumps({"labels": CLASSIFY_LABELS, "template": CLASSIFY_TEMPLATE, "results": result}))


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
