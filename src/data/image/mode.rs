//! PIL's mode conversions (libImaging/Convert.c) that preprocessing needs.
use super::{Image, Mode};

/// PIL's MULDIV255: a·b/255 rounded, in integer arithmetic.
fn muldiv255(a: u8, b: u8) -> u8 {
    let t = u32::from(a) * u32::from(b) + 128;
    (((t >> 8) + t) >> 8) as u8
}

/// RGBA → RGBa (and LA → La): colour multiplied by alpha.
pub fn premultiply(img: &Image) -> Image {
    let c = img.mode.channels();
    let mut out = img.clone();
    for px in out.data.chunks_exact_mut(c) {
        let a = px[c - 1];
        for v in &mut px[..c - 1] {
            *v = muldiv255(*v, a);
        }
    }
    out
}

/// RGBa → RGBA: colour divided by alpha (unchanged where alpha is 0 or 255).
pub fn unpremultiply(img: &Image) -> Image {
    let c = img.mode.channels();
    let mut out = img.clone();
    for px in out.data.chunks_exact_mut(c) {
        let a = px[c - 1];
        if a != 0 && a != 255 {
            for v in &mut px[..c - 1] {
                *v = ((255 * u32::from(*v)) / u32::from(a)).min(255) as u8;
            }
        }
    }
    out
}

/// `image.convert("RGB")`.
pub fn to_rgb(img: &Image) -> Image {
    let n = img.width * img.height;
    let mut rgb = Vec::with_capacity(n * 3);
    match img.mode {
        Mode::Rgb => return img.clone(),
        Mode::L => img.data.iter().for_each(|&v| rgb.extend_from_slice(&[v, v, v])),
        Mode::La => img.data.chunks_exact(2).for_each(|p| rgb.extend_from_slice(&[p[0], p[0], p[0]])),
        Mode::Rgba => img.data.chunks_exact(4).for_each(|p| rgb.extend_from_slice(&p[..3])),
        Mode::Cmyk => img.data.chunks_exact(4).for_each(|p| {
            let nk = 255 - p[3];
            rgb.extend((0..3).map(|i| nk.saturating_sub(muldiv255(p[i], nk))));
        }),
        Mode::P => img.data.iter().for_each(|&i| {
            rgb.extend_from_slice(img.palette.get(i as usize).unwrap_or(&[0, 0, 0]));
        }),
    }
    Image::new(Mode::Rgb, img.width, img.height, rgb)
}
