//! open_clip's evaluation transform (open_clip `transform.py`, image_transform with
//! resize_mode "shortest"): torchvision Resize(shortest side, bicubic) on the PIL image,
//! CenterCrop, convert("RGB"), ToTensor, Normalize — here on our PIL-exact images.
use super::image::{mode::to_rgb, resample::{resize, Filter}, Image, Mode};

pub const OPENAI_MEAN: [f32; 3] = [0.481_454_66, 0.457_827_5, 0.408_210_73];
pub const OPENAI_STD: [f32; 3] = [0.268_629_54, 0.261_302_58, 0.275_777_11];

#[derive(Debug, Clone, PartialEq)]
pub struct ClipPreprocess {
    pub size: usize,
    pub mean: [f32; 3],
    pub std: [f32; 3],
}

impl ClipPreprocess {
    pub fn new(size: usize) -> Self {
        Self { size, mean: OPENAI_MEAN, std: OPENAI_STD }
    }

    /// Normalised pixels, channel-major [3, size, size].
    pub fn apply(&self, img: &Image) -> Vec<f32> {
        let (w, h) = shortest_side_size(img.width, img.height, self.size);
        let resized = resize(img, w, h, Filter::Bicubic);
        let cropped = center_crop(&resized, self.size);
        let rgb = if cropped.mode == Mode::Rgb { cropped } else { to_rgb(&cropped) };
        normalise(&rgb, self.mean, self.std)
    }
}

/// ToTensor + Normalize: channel-major floats. ToTensor divides in float32, Normalize
/// subtracts then divides in float32; a byte has 256 values, so each channel's results
/// are tabulated once and looked up.
pub fn normalise(rgb: &Image, mean: [f32; 3], std: [f32; 3]) -> Vec<f32> {
    let plane = rgb.width * rgb.height;
    let table: [[f32; 256]; 3] = std::array::from_fn(|c| std::array::from_fn(|v| (v as f32 / 255.0 - mean[c]) / std[c]));
    let mut out = vec![0f32; 3 * plane];
    let (r, rest) = out.split_at_mut(plane);
    let (g, b) = rest.split_at_mut(plane);
    for (i, px) in rgb.data.chunks_exact(3).enumerate() {
        r[i] = table[0][usize::from(px[0])];
        g[i] = table[1][usize::from(px[1])];
        b[i] = table[2][usize::from(px[2])];
    }
    out
}

/// torchvision's output size for `Resize(size)`: the short side becomes `size`, the
/// long side `int(size * long / short)`.
pub fn shortest_side_size(width: usize, height: usize, size: usize) -> (usize, usize) {
    let (short, long) = if width <= height { (width, height) } else { (height, width) };
    let new_long = (size as f64 * long as f64 / short as f64) as usize;
    if width <= height {
        (size, new_long)
    } else {
        (new_long, size)
    }
}

/// torchvision CenterCrop on a PIL image: pad with zeros if smaller, then crop at
/// offsets `round((size_in - size) / 2)` with Python's round-half-to-even.
pub fn center_crop(img: &Image, size: usize) -> Image {
    let padded = pad_to(img, size);
    let top = round_half_even((padded.height - size) as f64 / 2.0);
    let left = round_half_even((padded.width - size) as f64 / 2.0);
    padded.crop(left, top, size, size)
}

fn round_half_even(x: f64) -> usize {
    let r = x.round();
    let r = if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 { r - 1.0 } else { r };
    r as usize
}

/// Zero padding so both sides reach `size`, split as torchvision does (left/top get
/// the floor half).
fn pad_to(img: &Image, size: usize) -> Image {
    if img.width >= size && img.height >= size {
        return img.clone();
    }
    let (w, h) = (img.width.max(size), img.height.max(size));
    let (left, top) = ((w - img.width) / 2, (h - img.height) / 2);
    let c = img.mode.channels();
    let mut data = vec![0u8; w * h * c];
    for y in 0..img.height {
        let src = &img.data[y * img.width * c..(y + 1) * img.width * c];
        let start = ((y + top) * w + left) * c;
        data[start..start + src.len()].copy_from_slice(src);
    }
    Image { mode: img.mode, width: w, height: h, data, palette: img.palette.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_offsets_follow_torchvision() {
        assert_eq!(shortest_side_size(640, 427, 256), (383, 256));
        assert_eq!(shortest_side_size(300, 1001, 224), (224, 747));
        assert_eq!((round_half_even(0.5), round_half_even(1.5), round_half_even(2.5)), (0, 2, 2));
    }
}
