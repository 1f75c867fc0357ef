//! Images as PIL holds them (mode and 8-bit channels), decoded like PIL decodes them,
//! so preprocessing can reproduce the Python pipelines pixel for pixel.
pub mod decode;
pub mod mode;
pub mod resample;
#[cfg(target_arch = "x86_64")]
mod resample_avx2;

pub use decode::{decode_bytes, decode_file};

/// PIL's image modes that photographs arrive in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    L,
    La,
    Rgb,
    Rgba,
    /// CMYK as PIL stores it (JPEG CMYK is inverted on decode, as Adobe writes it).
    Cmyk,
    /// Palette indices; the palette is RGB.
    P,
}

impl Mode {
    pub fn channels(self) -> usize {
        match self {
            Mode::L | Mode::P => 1,
            Mode::La => 2,
            Mode::Rgb => 3,
            Mode::Rgba | Mode::Cmyk => 4,
        }
    }
}

/// Interleaved 8-bit pixels, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub mode: Mode,
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
    /// RGB triples for mode P.
    pub palette: Vec<[u8; 3]>,
}

impl Image {
    pub fn new(mode: Mode, width: usize, height: usize, data: Vec<u8>) -> Self {
        debug_assert_eq!(data.len(), width * height * mode.channels());
        Self { mode, width, height, data, palette: Vec::new() }
    }

    /// A rectangle of the image (PIL `crop`), clamped to the image.
    pub fn crop(&self, left: usize, top: usize, width: usize, height: usize) -> Image {
        let c = self.mode.channels();
        let mut data = Vec::with_capacity(width * height * c);
        for y in top..top + height {
            let start = (y * self.width + left) * c;
            data.extend_from_slice(&self.data[start..start + width * c]);
        }
        Image { mode: self.mode, width, height, data, palette: self.palette.clone() }
    }
}
