//! AVX2 versions of the two resampling passes. They use the same 22-bit integer weights,
//! the same rounding constant and the same clamping as the scalar passes; a sum of i32
//! products does not depend on the order it is taken in, so the bytes are identical
//! (checked against the scalar passes on random images in the tests below, and against
//! Pillow by the preprocessing parity test).
use super::resample::{Coefficients, PRECISION_BITS};
use std::arch::x86_64::*;

/// Whether this CPU can run the kernels (checked once per call; the check is cached by std).
pub fn available() -> bool {
    is_x86_feature_detected!("avx2")
}

/// The vertical pass: each output row is a weighted sum of whole input rows, so the
/// vectors run along the row, 32 bytes (four accumulators of eight i32) at a time.
///
/// # Safety
/// The CPU must support AVX2 (`available()`).
#[target_feature(enable = "avx2")]
pub unsafe fn vertical(src: &[u8], stride: usize, k: &Coefficients, out: &mut [u8]) {
    let half = _mm256_set1_epi32(1 << (PRECISION_BITS - 1));
    for (out_row, (&start, weights)) in out.chunks_exact_mut(stride).zip(k.starts.iter().zip(&k.weights)) {
        assert!((start + weights.len()) * stride <= src.len());
        let base = src.as_ptr().add(start * stride);
        let mut x = 0;
        while x + 32 <= stride {
            let (mut a0, mut a1, mut a2, mut a3) = (half, half, half, half);
            for (i, &w) in weights.iter().enumerate() {
                let p = base.add(i * stride + x);
                let w = _mm256_set1_epi32(w);
                a0 = _mm256_add_epi32(a0, _mm256_mullo_epi32(widen8(p), w));
                a1 = _mm256_add_epi32(a1, _mm256_mullo_epi32(widen8(p.add(8)), w));
                a2 = _mm256_add_epi32(a2, _mm256_mullo_epi32(widen8(p.add(16)), w));
                a3 = _mm256_add_epi32(a3, _mm256_mullo_epi32(widen8(p.add(24)), w));
            }
            _mm256_storeu_si256(out_row.as_mut_ptr().add(x).cast(), pack32(a0, a1, a2, a3));
            x += 32;
        }
        while x + 8 <= stride {
            let mut a = half;
            for (i, &w) in weights.iter().enumerate() {
                a = _mm256_add_epi32(a, _mm256_mullo_epi32(widen8(base.add(i * stride + x)), _mm256_set1_epi32(w)));
            }
            _mm_storel_epi64(out_row.as_mut_ptr().add(x).cast(), pack8(a));
            x += 8;
        }
        for (x, o) in out_row.iter_mut().enumerate().skip(x) {
            let mut acc = 1i32 << (PRECISION_BITS - 1);
            for (i, &w) in weights.iter().enumerate() {
                acc += i32::from(*base.add(i * stride + x)) * w;
            }
            *o = super::resample::clip8(acc);
        }
    }
}

/// Bytes the horizontal kernel may read past a row's last pixel (it loads eight bytes
/// at a time and pads the taps to whole vectors with zero weights).
const ROW_PADDING: usize = 64;

/// Weights laid out for the horizontal kernel: per output pixel, whole vectors of eight
/// i32 lanes, `8 / lanes_per_pixel` taps per vector, each tap's weight repeated over its
/// pixel's lanes; taps beyond the pixel's own count get weight 0.
struct LaneWeights {
    starts: Vec<usize>,
    /// Index of the first vector of each output pixel in `lanes`, plus one past the end.
    offsets: Vec<usize>,
    lanes: Vec<i32>,
}

fn lane_weights(k: &Coefficients, lanes_per_pixel: usize) -> LaneWeights {
    let taps_per_vector = 8 / lanes_per_pixel;
    let mut offsets = vec![0];
    let mut lanes = Vec::new();
    for weights in &k.weights {
        let vectors = weights.len().div_ceil(taps_per_vector);
        for lane in 0..vectors * 8 {
            let tap = lane / lanes_per_pixel;
            lanes.push(weights.get(tap).copied().unwrap_or(0));
        }
        offsets.push(lanes.len() / 8);
    }
    LaneWeights { starts: k.starts.clone(), offsets, lanes }
}

/// The horizontal pass for `C` interleaved channels: for each output pixel the taps are
/// consecutive input pixels, loaded several at a time (two RGB/RGBA pixels, four LA
/// pixels or eight L pixels per vector), multiplied by their lane weights and summed;
/// the lanes of one channel are then added together.
///
/// # Safety
/// The CPU must support AVX2 (`available()`).
#[target_feature(enable = "avx2")]
pub unsafe fn horizontal<const C: usize>(src: &[u8], width: usize, out_width: usize, k: &Coefficients, out: &mut [u8]) {
    // RGB is spread to four lanes per pixel (the fourth lane reads as zero).
    let lanes_per_pixel = if C == 3 { 4 } else { C };
    let lw = lane_weights(k, lanes_per_pixel);
    let rgb_spread = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    let half = _mm_set1_epi32(1 << (PRECISION_BITS - 1));
    let row_bytes = width * C;
    let mut padded = vec![0u8; row_bytes + ROW_PADDING];
    for (row, out_row) in src.chunks_exact(row_bytes).zip(out.chunks_exact_mut(out_width * C)) {
        padded[..row_bytes].copy_from_slice(row);
        for (xx, dst) in out_row.chunks_exact_mut(C).enumerate() {
            let (first, last) = (lw.offsets[xx], lw.offsets[xx + 1]);
            let taps_per_vector = 8 / lanes_per_pixel;
            assert!((lw.starts[xx] + (last - first) * taps_per_vector) * C + 8 <= padded.len());
            let mut p = padded.as_ptr().add(lw.starts[xx] * C);
            let mut acc = _mm256_setzero_si256();
            for v in first..last {
                let bytes = _mm_loadl_epi64(p.cast());
                let bytes = if C == 3 { _mm_shuffle_epi8(bytes, rgb_spread) } else { bytes };
                let w = _mm256_loadu_si256(lw.lanes.as_ptr().add(v * 8).cast());
                acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(bytes), w));
                p = p.add(taps_per_vector * C);
            }
            // Fold the lanes of each channel into lanes 0..C.
            let mut sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256::<1>(acc));
            if lanes_per_pixel <= 2 {
                sum = _mm_add_epi32(sum, _mm_shuffle_epi32::<0b01_00_11_10>(sum));
            }
            if lanes_per_pixel == 1 {
                sum = _mm_add_epi32(sum, _mm_shuffle_epi32::<0b10_11_00_01>(sum));
            }
            let shifted = _mm_srai_epi32::<{ PRECISION_BITS as i32 }>(_mm_add_epi32(sum, half));
            let packed = _mm_packus_epi16(_mm_packs_epi32(shifted, shifted), _mm_setzero_si128());
            let bytes = (_mm_cvtsi128_si32(packed) as u32).to_le_bytes();
            dst.copy_from_slice(&bytes[..C]);
        }
    }
}

/// Eight bytes widened to eight i32 lanes.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn widen8(p: *const u8) -> __m256i {
    _mm256_cvtepu8_epi32(_mm_loadl_epi64(p.cast()))
}

/// Shift out the fraction and saturate to 0..=255: the scalar `clip8` on eight lanes.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn pack8(a: __m256i) -> __m128i {
    let s = _mm256_srai_epi32::<{ PRECISION_BITS as i32 }>(a);
    let words = _mm256_packs_epi32(s, s);
    let bytes = _mm256_packus_epi16(words, words);
    _mm_unpacklo_epi32(_mm256_castsi256_si128(bytes), _mm256_extracti128_si256::<1>(bytes))
}

/// Four accumulators of eight lanes to 32 bytes in order (the packs work per 128-bit half,
/// so the dwords come out interleaved and are put back in place).
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn pack32(a0: __m256i, a1: __m256i, a2: __m256i, a3: __m256i) -> __m256i {
    const S: i32 = PRECISION_BITS as i32;
    let lo = _mm256_packs_epi32(_mm256_srai_epi32::<S>(a0), _mm256_srai_epi32::<S>(a1));
    let hi = _mm256_packs_epi32(_mm256_srai_epi32::<S>(a2), _mm256_srai_epi32::<S>(a3));
    let bytes = _mm256_packus_epi16(lo, hi);
    _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
}
