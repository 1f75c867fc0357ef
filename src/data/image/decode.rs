//! Decoding to PIL's modes: JPEG through libjpeg-turbo's own decoder (the mozjpeg
//! build; the decoder PIL uses, so pixels are identical), PNG through the png crate
//! with PIL's mode choices. Orientation tags are not applied: PIL's `Image.open`
//! does not apply them either, and the reference pipelines do not call exif_transpose.
use super::{Image, Mode};
use anyhow::{anyhow, bail, Context, Result};
use std::path::Path;

pub fn decode_file(path: &Path) -> Result<Image> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    decode_bytes(&bytes).with_context(|| format!("decoding {}", path.display()))
}

pub fn decode_bytes(bytes: &[u8]) -> Result<Image> {
    if bytes.starts_with(&[0xff, 0xd8]) {
        decode_jpeg(bytes)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)
    } else {
        bail!("not a JPEG or PNG file (unsupported or corrupt image)")
    }
}

fn decode_jpeg(bytes: &[u8]) -> Result<Image> {
    // libjpeg reports fatal errors by unwinding; turn them into errors.
    std::panic::catch_unwind(|| -> Result<Image> {
        use mozjpeg::ColorSpace;
        let d = mozjpeg::Decompress::new_mem(bytes)?;
        let (width, height) = (d.width(), d.height());
        let (mode, mut started) = match d.color_space() {
            ColorSpace::JCS_GRAYSCALE => (Mode::L, d.grayscale()?),
            ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK => (Mode::Cmyk, d.to_colorspace(ColorSpace::JCS_CMYK)?),
            _ => (Mode::Rgb, d.rgb()?),
        };
        let mut data: Vec<u8> = started.read_scanlines()?;
        started.finish()?;
        if mode == Mode::Cmyk {
            for v in &mut data {
                *v = 255 - *v;
            }
        }
        if data.len() != width * height * mode.channels() {
            bail!("truncated JPEG data");
        }
        Ok(Image::new(mode, width, height, data))
    })
    .map_err(|_| anyhow!("corrupt JPEG data"))?
}

fn decode_png(bytes: &[u8]) -> Result<Image> {
    let mut decoder = png::Decoder::new(bytes);
    // Keep palettes as indices (PIL mode P) and reduce 16-bit samples to their high
    // byte as PIL does for RGB(A); bit depths below 8 are unpacked here.
    decoder.set_transformations(png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().context("reading the PNG header")?;
    let mut raw = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut raw).context("corrupt PNG data")?;
    let info = reader.info();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let buf = unpack_rows(&raw, frame.line_size, width, height, frame.bit_depth);
    let mut image = match frame.color_type {
        png::ColorType::Grayscale => {
            let data = scale_gray_bits(buf, info.bit_depth);
            Image::new(Mode::L, width, height, data)
        }
        png::ColorType::GrayscaleAlpha => Image::new(Mode::La, width, height, buf),
        png::ColorType::Rgb => Image::new(Mode::Rgb, width, height, buf),
        png::ColorType::Rgba => Image::new(Mode::Rgba, width, height, buf),
        png::ColorType::Indexed => {
            let palette = info.palette.as_deref().context("a palette PNG without a palette")?;
            let mut img = Image::new(Mode::P, width, height, buf);
            img.palette = palette.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
            img
        }
    };
    if image.mode == Mode::P && image.palette.is_empty() {
        image.palette.push([0, 0, 0]);
    }
    Ok(image)
}

/// One byte per sample: 1/2/4-bit samples (greyscale or palette indices) spread out,
/// row padding dropped.
fn unpack_rows(raw: &[u8], line_size: usize, width: usize, height: usize, depth: png::BitDepth) -> Vec<u8> {
    let bits = match depth {
        png::BitDepth::One => 1,
        png::BitDepth::Two => 2,
        png::BitDepth::Four => 4,
        _ => return raw.chunks(line_size).take(height).flat_map(|row| row.iter().copied()).collect(),
    };
    let per_byte = 8 / bits;
    let mask = (1u8 << bits) - 1;
    let mut out = Vec::with_capacity(width * height);
    for row in raw.chunks(line_size).take(height) {
        for x in 0..width {
            let shift = 8 - bits * (x % per_byte + 1);
            out.push((row[x / per_byte] >> shift) & mask);
        }
    }
    out
}

/// PIL opens 1/2/4-bit greyscale PNGs as 8-bit L with values scaled to 0..255.
fn scale_gray_bits(mut data: Vec<u8>, depth: png::BitDepth) -> Vec<u8> {
    let factor = match depth {
        png::BitDepth::One => 255,
        png::BitDepth::Two => 85,
        png::BitDepth::Four => 17,
        _ => 1,
    };
    if factor != 1 {
        for v in &mut data {
            *v = v.saturating_mul(factor);
        }
    }
    data
}
