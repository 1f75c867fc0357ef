"""Reference outputs of torchvision's tensor functions that MoCo v2's augmentations use,
for tests/parity_augment.rs: colour jitter's four operators, grayscale, Gaussian blur and
a downscaling resized crop (bilinear, no antialiasing) on random images, each with its
own factor. Usage: augment_reference.py OUT.safetensors"""
import sys

import torch
import torchvision.transforms.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
n, side = 6, 20
images = torch.randint(0, 256, (n, 3, side, side), dtype=torch.uint8)
x = images.float() / 255.0
factors = {
    "brightness": torch.tensor([0.6, 0.8, 1.0, 1.1, 1.3, 1.4]),
    "contrast": torch.tensor([0.6, 0.75, 1.0, 1.2, 1.33, 1.4]),
    "saturation": torch.tensor([0.6, 0.9, 1.0, 1.05, 1.25, 1.4]),
    "hue": torch.tensor([-0.1, -0.05, 0.0, 0.02, 0.07, 0.1]),
}
out = {"images": images}
for name, fs in factors.items():
    op = {"brightness": F.adjust_brightness, "contrast": F.adjust_contrast, "saturation": F.adjust_saturation, "hue": F.adjust_hue}[name]
    out[name] = torch.stack([op(x[i], float(fs[i])) for i in range(n)])
    out[f"{name}.factors"] = fs
out["grayscale"] = F.rgb_to_grayscale(x, num_output_channels=1)
sigmas = torch.tensor([0.3, 0.5, 0.8, 1.0, 1.5, 2.0])
out["blur.sigmas"] = sigmas
# The kernel the Rust side picks for 20-pixel images: round(0.1·20) made odd, at least 3.
out["blur"] = torch.stack([F.gaussian_blur(x[i], [3, 3], [float(s), float(s)]) for i, s in enumerate(sigmas)])
boxes = [(2, 3, 16, 14), (0, 0, 20, 20), (4, 1, 12, 18), (5, 5, 10, 10), (1, 6, 17, 9), (3, 2, 15, 16)]
out["crop.boxes"] = torch.tensor(boxes, dtype=torch.int64)
out["crop"] = torch.stack([F.resized_crop(x[i], t, l, h, w, [8, 8], F.InterpolationMode.BILINEAR, antialias=False) for i, (t, l, h, w) in enumerate(boxes)])
save_file({k: v.contiguous() for k, v in out.items()}, sys.argv[1])
