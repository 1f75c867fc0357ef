//! Decoding to PIL's modes: JPEG through libjpeg-turbo's own decoder (the mozjpeg
//! build; the decoder PIL uses, so pixels are identical), PNG through the png crate
//! with PIL's mode choices. Orientation tags are not applied: PIL's `Image.open`
//! does not apply them either, and the reference pipelines do not call exif_transpose.
//!
//! Files PIL refuses are refused here too, so the Rust and Python pipelines see the same
//! images: truncated files (unless `--load-truncated-images`, PIL's
//! `ImageFile.LOAD_TRUNCATED_IMAGES`), images above the decompression-bomb limit, and
//! formats other than JPEG and PNG (named, with how to convert them).
use super::{Image, Mode};
use anyhow::{anyhow, bail, Context, Result};
use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// PIL's `Image.MAX_IMAGE_PIXELS` (1024³ / 4 / 3); PIL refuses images of more than
/// twice this many pixels (DecompressionBombError), and so do we.
pub const PIL_MAX_IMAGE_PIXELS: u64 = 89_478_485;

// Process-wide, as PIL's own switches are: set once from the command line.
static LOAD_TRUNCATED: AtomicBool = AtomicBool::new(false);
static MAX_PIXELS: AtomicU64 = AtomicU64::new(2 * PIL_MAX_IMAGE_PIXELS);
static TRUNCATED_LOADED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Decode truncated files (what is missing comes out as PIL's LOAD_TRUNCATED_IMAGES
/// shows it) instead of refusing them.
pub fn set_load_truncated(on: bool) {
    LOAD_TRUNCATED.store(on, Ordering::Relaxed);
}

pub fn load_truncated() -> bool {
    LOAD_TRUNCATED.load(Ordering::Relaxed)
}

/// The largest image accepted, in pixels (width × height).
pub fn set_max_pixels(limit: u64) {
    MAX_PIXELS.store(limit, Ordering::Relaxed);
}

/// Names of the truncated files decoded since the last call (only with
/// `set_load_truncated(true)`), for a warning.
pub fn take_truncated_loaded() -> Vec<String> {
    std::mem::take(&mut *TRUNCATED_LOADED.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A warning naming the truncated files decoded since the last call, if any.
pub fn truncated_loaded_warning() -> Option<String> {
    let mut names = take_truncated_loaded();
    if names.is_empty() {
        return None;
    }
    names.sort();
    names.dedup();
    let shown = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    let more = names.len().saturating_sub(5);
    Some(format!(
        "{} truncated image file(s) decoded with their missing part filled in (--load-truncated-images): {shown}{}",
        names.len(),
        if more > 0 { format!(" and {more} more") } else { String::new() }
    ))
}

pub fn decode_file(path: &Path) -> Result<Image> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    decode_named(&bytes, &path.display().to_string()).with_context(|| format!("decoding {}", path.display()))
}

pub fn decode_bytes(bytes: &[u8]) -> Result<Image> {
    decode_named(bytes, "an image in memory")
}

/// Decodes `bytes`; `name` is what a warning about a truncated file calls it.
pub fn decode_named(bytes: &[u8], name: &str) -> Result<Image> {
    let image = if bytes.is_empty() {
        bail!("empty file (0 bytes)")
    } else if bytes.starts_with(&[0xff, 0xd8]) {
        decode_jpeg(bytes)?
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        decode_png(bytes)?
    } else if let Some(format) = other_format(bytes) {
        bail!("a {format} image; adaptlab reads JPEG and PNG: convert it (e.g. `convert in out.png` with ImageMagick)")
    } else {
        bail!("not a JPEG or PNG file (unsupported or corrupt image)")
    };
    if image.truncated {
        TRUNCATED_LOADED.lock().unwrap_or_else(|e| e.into_inner()).push(name.to_string());
    }
    Ok(image.image)
}

/// What kind of problem a decoding error message (as this module words them) names:
/// `empty`, `truncated`, `too_large`, `other_format` or `corrupt`, so a report can say it
/// in its own language beside the file.
pub fn problem_kind(message: &str) -> &'static str {
    if message.contains("empty file (0 bytes)") {
        "empty"
    } else if message.contains("image file is truncated") {
        "truncated"
    } else if message.contains("is above the limit of") {
        "too_large"
    } else if message.contains("adaptlab reads JPEG and PNG") {
        "other_format"
    } else {
        "corrupt"
    }
}

/// Formats PIL would open that we do not decode, by their magic bytes.
fn other_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("GIF")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("WebP")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if bytes.starts_with(b"BM") {
        Some("BMP")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1" | b"avif") {
        Some("HEIF/AVIF")
    } else {
        None
    }
}

struct Decoded {
    image: Image,
    truncated: bool,
}

fn check_size(width: usize, height: usize) -> Result<()> {
    let limit = MAX_PIXELS.load(Ordering::Relaxed);
    let pixels = width as u64 * height as u64;
    if pixels > limit {
        bail!(
            "{width}×{height} = {pixels} pixels is above the limit of {limit} (a decompression bomb, or an image far larger than any model needs); PIL refuses it too"
        );
    }
    if pixels == 0 {
        bail!("the image has no pixels ({width}×{height})");
    }
    Ok(())
}

fn truncated_error() -> anyhow::Error {
    anyhow!(
        "image file is truncated: its data ends before the image does (PIL refuses it too); \
         run with --load-truncated-images to decode what is there, as PIL's LOAD_TRUNCATED_IMAGES does"
    )
}

thread_local! {
    // Set by libjpeg's warning hook when the data ran out (JWRN_JPEG_EOF).
    static JPEG_EOF: Cell<bool> = const { Cell::new(false) };
}

unsafe extern "C-unwind" fn note_warning(cinfo: &mut mozjpeg_sys::jpeg_common_struct, level: std::os::raw::c_int) {
    // Level -1 is a warning; other levels are trace messages.
    if level == -1 && unsafe { (*cinfo.err).msg_code } == mozjpeg_sys::JWRN_JPEG_EOF as std::os::raw::c_int {
        JPEG_EOF.with(|c| c.set(true));
    }
}

unsafe extern "C-unwind" fn unwind_on_error(cinfo: &mut mozjpeg_sys::jpeg_common_struct) {
    let mut buffer = [0u8; 80];
    let err = unsafe { &*cinfo.err };
    if let Some(format) = err.format_message {
        // The binding declares the buffer immutable; libjpeg writes into it.
        let format: unsafe extern "C-unwind" fn(&mut mozjpeg_sys::jpeg_common_struct, *mut u8) = unsafe { std::mem::transmute(format) };
        unsafe { format(cinfo, buffer.as_mut_ptr()) };
    }
    let text = String::from_utf8_lossy(buffer.split(|&b| b == 0).next().unwrap_or_default()).into_owned();
    std::panic::resume_unwind(Box::new(text));
}

fn jpeg_error_manager() -> mozjpeg_sys::jpeg_error_mgr {
    unsafe {
        let mut err: mozjpeg_sys::jpeg_error_mgr = std::mem::zeroed();
        mozjpeg_sys::jpeg_std_error(&mut err);
        err.error_exit = Some(unwind_on_error);
        err.emit_message = Some(note_warning);
        err
    }
}

fn decode_jpeg(bytes: &[u8]) -> Result<Decoded> {
    JPEG_EOF.with(|c| c.set(false));
    let load_truncated = LOAD_TRUNCATED.load(Ordering::Relaxed);
    // libjpeg reports fatal errors by unwinding; turn them into errors.
    let decoded = std::panic::catch_unwind(|| -> Result<Decoded> {
        use mozjpeg::ColorSpace;
        let d = mozjpeg::Decompress::with_err(jpeg_error_manager()).from_mem(bytes)?;
        let (width, height) = (d.width(), d.height());
        check_size(width, height)?;
        let (mode, mut started) = match d.color_space() {
            ColorSpace::JCS_GRAYSCALE => (Mode::L, d.grayscale()?),
            ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK => (Mode::Cmyk, d.to_colorspace(ColorSpace::JCS_CMYK)?),
            _ => (Mode::Rgb, d.rgb()?),
        };
        // With the data gone, libjpeg's source hands the decoder an end marker and the
        // rest of the image comes out of zero coefficients (mid-grey, or the coarse
        // picture of a progressive file): what PIL's LOAD_TRUNCATED_IMAGES gives too.
        let mut data: Vec<u8> = started.read_scanlines()?;
        started.finish()?;
        let truncated = JPEG_EOF.with(Cell::get);
        if truncated && !load_truncated {
            return Err(truncated_error());
        }
        if data.len() != width * height * mode.channels() {
            bail!("truncated JPEG data");
        }
        if mode == Mode::Cmyk {
            for v in &mut data {
                *v = 255 - *v;
            }
        }
        Ok(Decoded { image: Image::new(mode, width, height, data), truncated })
    });
    decoded.map_err(|cause| {
        let text = cause.downcast_ref::<String>().cloned().unwrap_or_default();
        if text.is_empty() { anyhow!("corrupt JPEG data") } else { anyhow!("corrupt JPEG data: {text}") }
    })?
}

fn decode_png(bytes: &[u8]) -> Result<Decoded> {
    // IHDR is always the first chunk: bit depth at byte 24, colour type at 25.
    let gray16 = bytes.len() > 25 && bytes[24] == 16 && bytes[25] == 0;
    // Room for the largest image allowed, at 8 bytes a pixel (16-bit RGBA).
    let limit = png::Limits { bytes: usize::try_from(MAX_PIXELS.load(Ordering::Relaxed).saturating_mul(8)).unwrap_or(usize::MAX) };
    let mut decoder = png::Decoder::new_with_limits(bytes, limit);
    // Keep palettes as indices (PIL mode P) and reduce 16-bit samples to their high
    // byte as PIL does for RGB(A) and LA; bit depths below 8 are unpacked here. PIL
    // opens 16-bit greyscale as I;16 and converts it by clamping, so those keep 16 bits.
    decoder.set_transformations(if gray16 { png::Transformations::IDENTITY } else { png::Transformations::STRIP_16 });
    let mut reader = decoder.read_info().context("reading the PNG header")?;
    let (width, height) = (reader.info().width as usize, reader.info().height as usize);
    check_size(width, height)?;
    let (color_type, bit_depth) = reader.output_color_type();
    let line_size = reader.output_line_size(width as u32);
    let mut raw = vec![0; line_size * height];
    let mut truncated = false;
    if reader.info().interlaced {
        // Rows of an interlaced image arrive in passes; only a whole image is used.
        reader.next_frame(&mut raw).map_err(|e| png_error(e))?;
    } else {
        for line in raw.chunks_exact_mut(line_size) {
            match reader.next_row() {
                Ok(Some(row)) => line.copy_from_slice(row.data()),
                Ok(None) => {
                    truncated = true;
                    break;
                }
                Err(e) if is_end_of_data(&e) => {
                    truncated = true;
                    break;
                }
                Err(e) => return Err(png_error(e)),
            }
        }
    }
    if truncated && !LOAD_TRUNCATED.load(Ordering::Relaxed) {
        return Err(truncated_error());
    }
    let info = reader.info();
    let buf = if gray16 {
        raw.chunks_exact(2).map(|v| u16::from_be_bytes([v[0], v[1]]).min(255) as u8).collect()
    } else {
        unpack_rows(&raw, line_size, width, height, bit_depth)
    };
    let mut image = match color_type {
        png::ColorType::Grayscale => {
            let data = if gray16 { buf } else { scale_gray_bits(buf, info.bit_depth) };
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
    Ok(Decoded { image, truncated })
}

fn is_end_of_data(e: &png::DecodingError) -> bool {
    match e {
        png::DecodingError::IoError(io) => io.kind() == std::io::ErrorKind::UnexpectedEof,
        png::DecodingError::Format(f) => f.to_string().contains("end of"),
        _ => false,
    }
}

fn png_error(e: png::DecodingError) -> anyhow::Error {
    if is_end_of_data(&e) {
        truncated_error()
    } else if matches!(e, png::DecodingError::LimitsExceeded) {
        anyhow!("the PNG needs more memory than the image limit allows")
    } else {
        anyhow!(e).context("corrupt PNG data")
    }
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
