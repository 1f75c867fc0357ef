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

/// Bytes the horizontal kernel may read past a row's last pixel (it loads 16 bytes at a
/// time and pads the taps to whole steps with zero weights).
const ROW_PADDING: usize = 64;

/// How the horizontal kernel lays a step of taps into sixteen i16 lanes: lanes pair up
/// (`vpmaddwd` adds each pair's two products), a pair holds two neighbouring taps of one
/// channel, and the pairs cycle through the channels (RGB gets a zero fourth channel).
/// So a step covers 4 RGB/RGBA pixels, 8 LA pixels or 16 L pixels.
#[derive(Clone, Copy)]
struct StepLayout {
    channels: usize,
}

impl StepLayout {
    fn lanes_per_pixel(self) -> usize {
        if self.channels == 3 { 4 } else { self.channels }
    }

    fn taps_per_step(self) -> usize {
        16 / self.lanes_per_pixel()
    }

    /// (tap within the step, channel) of i16 lane `lane`.
    fn lane(self, lane: usize) -> (usize, usize) {
        let (pair, second) = (lane / 2, lane % 2);
        (2 * (pair / self.lanes_per_pixel()) + second, pair % self.lanes_per_pixel())
    }

    /// The byte shuffle that turns 16 loaded bytes (the step's pixels) into lane order.
    fn shuffle(self) -> [i8; 16] {
        std::array::from_fn(|lane| {
            let (tap, channel) = self.lane(lane);
            if channel < self.channels { (tap * self.channels + channel) as i8 } else { -1 }
        })
    }
}

/// The horizontal weights as i16 lanes in step layout. `vpmaddwd` multiplies i16 by i16,
/// so each 22-bit weight is split exactly as `w = hi·2¹¹ + lo` with `0 ≤ lo < 2¹¹`; the
/// kernel sums both parts and recombines them, which gives the i32 sum of `px·w` bit for bit.
struct StepWeights {
    /// Index of the first step of each output pixel, plus one past the end.
    offsets: Vec<usize>,
    high: Vec<i16>,
    low: Vec<i16>,
}

const SPLIT_BITS: u32 = 11;

fn step_weights(k: &Coefficients, layout: StepLayout) -> Option<StepWeights> {
    let per_step = layout.taps_per_step();
    let mut w = StepWeights { offsets: vec![0], high: Vec::new(), low: Vec::new() };
    for weights in &k.weights {
        let steps = weights.len().div_ceil(per_step);
        for step in 0..steps {
            for lane in 0..16 {
                let tap = step * per_step + layout.lane(lane).0;
                let weight = weights.get(tap).copied().unwrap_or(0);
                // A weight beyond ±16 (never produced by the filters here) would not split into i16.
                w.high.push(i16::try_from(weight >> SPLIT_BITS).ok()?);
                w.low.push((weight & ((1 << SPLIT_BITS) - 1)) as i16);
            }
        }
        w.offsets.push(w.high.len() / 16);
    }
    Some(w)
}

/// The horizontal pass for `C` interleaved channels: for each output pixel the taps are
/// consecutive input pixels, taken a step (16 bytes) at a time, spread into lane order,
/// widened to i16 and multiplied-and-pair-summed by both weight halves; at the end the
/// halves are recombined and the lanes of each channel added together.
/// Returns false (and writes nothing) when the weights cannot be split; the caller then
/// uses the portable loop.
///
/// # Safety
/// The CPU must support AVX2 (`available()`).
#[target_feature(enable = "avx2")]
pub unsafe fn horizontal<const C: usize>(src: &[u8], width: usize, out_width: usize, k: &Coefficients, out: &mut [u8]) -> bool {
    let layout = StepLayout { channels: C };
    let Some(sw) = step_weights(k, layout) else { return false };
    let shuffle = _mm_loadu_si128(layout.shuffle().as_ptr().cast());
    let half = _mm_set1_epi32(1 << (PRECISION_BITS - 1));
    let step_bytes = layout.taps_per_step() * C;
    let row_bytes = width * C;
    let mut padded = vec![0u8; row_bytes + ROW_PADDING];
    // RGB and RGBA keep each pixel's four sums and finish the row eight pixels at a time.
    let by_row = layout.lanes_per_pixel() == 4;
    let mut sums = vec![0i32; if by_row { out_width * 4 } else { 0 }];
    for (row, out_row) in src.chunks_exact(row_bytes).zip(out.chunks_exact_mut(out_width * C)) {
        padded[..row_bytes].copy_from_slice(row);
        for (xx, dst) in out_row.chunks_exact_mut(C).enumerate() {
            let (first, last) = (sw.offsets[xx], sw.offsets[xx + 1]);
            assert!(k.starts[xx] * C + (last - first) * step_bytes + 16 <= padded.len());
            let mut p = padded.as_ptr().add(k.starts[xx] * C);
            let (mut high, mut low) = (_mm256_setzero_si256(), _mm256_setzero_si256());
            for step in first..last {
                let px = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(_mm_loadu_si128(p.cast()), shuffle));
                let wh = _mm256_loadu_si256(sw.high.as_ptr().add(step * 16).cast());
                let wl = _mm256_loadu_si256(sw.low.as_ptr().add(step * 16).cast());
                high = _mm256_add_epi32(high, _mm256_madd_epi16(px, wh));
                low = _mm256_add_epi32(low, _mm256_madd_epi16(px, wl));
                p = p.add(step_bytes);
            }
            // Wrapping i32 arithmetic: the recombined sum is exact because the true sum fits.
            let acc = _mm256_add_epi32(_mm256_slli_epi32::<{ SPLIT_BITS as i32 }>(high), low);
            // Fold the lanes of each channel into lanes 0..C.
            let mut sum = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256::<1>(acc));
            if by_row {
                _mm_storeu_si128(sums.as_mut_ptr().add(xx * 4).cast(), sum);
                continue;
            }
            if layout.lanes_per_pixel() <= 2 {
                sum = _mm_add_epi32(sum, _mm_shuffle_epi32::<0b01_00_11_10>(sum));
            }
            if layout.lanes_per_pixel() == 1 {
                sum = _mm_add_epi32(sum, _mm_shuffle_epi32::<0b10_11_00_01>(sum));
            }
            let shifted = _mm_srai_epi32::<{ PRECISION_BITS as i32 }>(_mm_add_epi32(sum, half));
            let packed = _mm_packus_epi16(_mm_packs_epi32(shifted, shifted), _mm_setzero_si128());
            let bytes = (_mm_cvtsi128_si32(packed) as u32).to_le_bytes();
            dst.copy_from_slice(&bytes[..C]);
        }
        if by_row {
            finish_row::<C>(&sums, out_row);
        }
    }
    true
}

/// Rounds, shifts and saturates a row's per-pixel sums (four i32 lanes per pixel) into
/// its `C`-channel bytes: eight pixels per step, the rest one by one.
#[target_feature(enable = "avx2")]
unsafe fn finish_row<const C: usize>(sums: &[i32], out_row: &mut [u8]) {
    let half = _mm256_set1_epi32(1 << (PRECISION_BITS - 1));
    // Per 128-bit half: four RGBX pixels to twelve RGB bytes.
    let drop_fourth = _mm256_setr_epi8(
        0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1, //
        0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
    );
    let pixels = out_row.len() / C;
    let mut x = 0;
    // RGB stores 16 bytes for 12, so it needs 4 spare bytes after the step.
    while x + 8 <= pixels && (x + 8) * C + if C == 3 { 4 } else { 0 } <= out_row.len() {
        let s = sums.as_ptr().add(x * 4);
        let lane = |i: usize| _mm256_add_epi32(_mm256_loadu_si256(s.add(i * 8).cast()), half);
        let bytes = pack32(lane(0), lane(1), lane(2), lane(3));
        let dst = out_row.as_mut_ptr().add(x * C);
        if C == 4 {
            _mm256_storeu_si256(dst.cast(), bytes);
        } else {
            let rgb = _mm256_shuffle_epi8(bytes, drop_fourth);
            _mm_storeu_si128(dst.cast(), _mm256_castsi256_si128(rgb));
            _mm_storeu_si128(dst.add(12).cast(), _mm256_extracti128_si256::<1>(rgb));
        }
        x += 8;
    }
    for x in x..pixels {
        for c in 0..C {
            out_row[x * C + c] = super::resample::clip8(sums[x * 4 + c].wrapping_add(1 << (PRECISION_BITS - 1)));
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
