//! Preprocessing parity: our decode + resize + crop + normalise against open_clip's eval
//! transform (PIL + torchvision) on real photographs and awkward variants, within 1/255.
mod common;
use adaptlab::data::clip_preprocess::{ClipPreprocess, OPENAI_STD};
use adaptlab::data::image::decode_file;
use adaptlab::data::image::resample::{resize, Filter};
use std::collections::HashMap;
use tch::Tensor;

#[test]
fn pixels_match_open_clip_within_one_level() {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("preprocess_reference.py", &[dir.path().to_str().unwrap()]);
    let reference: HashMap<String, Tensor> = Tensor::read_safetensors(dir.path().join("reference.safetensors")).unwrap().into_iter().collect();
    assert!(reference.len() >= 150, "{} reference entries", reference.len());
    // One 8-bit level in normalised units is 1/255/std for the channel.
    let one_level = 1.0 / 255.0 / OPENAI_STD.iter().cloned().fold(f32::MAX, f32::min) as f64;
    let mut report = Vec::new();
    let mut exact = 0;
    for (key, expected) in reference.iter().filter(|(k, _)| !k.starts_with("resize/")) {
        let (name, size) = key.rsplit_once('@').unwrap();
        let size: usize = size.parse().unwrap();
        let image = decode_file(&dir.path().join("images").join(name)).unwrap();
        let ours = ClipPreprocess::new(size).apply(&image);
        let ours = Tensor::from_slice(&ours).view([3, size as i64, size as i64]);
        let diff = (&ours - expected).abs().max().double_value(&[]);
        if diff < 1e-6 {
            exact += 1;
        }
        if diff > one_level + 1e-5 {
            report.push(format!("{key}: max difference {:.2} levels", diff / one_level));
        }
    }
    let total = reference.keys().filter(|k| !k.starts_with("resize/")).count();
    eprintln!("{exact} of {total} preprocessed images identical to open_clip");
    assert!(report.is_empty(), "beyond one 8-bit level:\n{}", report.join("\n"));
}

/// PIL `resize` on crops at random sizes: every byte equal, for both filters.
#[test]
fn resizes_match_pillow_exactly() {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("preprocess_reference.py", &[dir.path().to_str().unwrap()]);
    let reference = Tensor::read_safetensors(dir.path().join("reference.safetensors")).unwrap();
    let china = decode_file(&dir.path().join("images/china.jpg")).unwrap();
    let mut checked = 0;
    for (key, expected) in reference.iter().filter(|(k, _)| k.starts_with("resize/")) {
        let parts: Vec<&str> = key.split('/').collect();
        let dims = |s: &str| -> (usize, usize) {
            let (a, b) = s.split_once('x').unwrap();
            (a.parse().unwrap(), b.parse().unwrap())
        };
        let ((w, h), (ow, oh)) = (dims(parts[2]), dims(parts[3]));
        let filter = if parts[1] == "bicubic" { Filter::Bicubic } else { Filter::Bilinear };
        let ours = resize(&china.crop(0, 0, w, h), ow, oh, filter);
        let expected = Vec::<u8>::try_from(expected).unwrap();
        let differing = ours.data.iter().zip(&expected).filter(|(a, b)| a != b).count();
        assert_eq!(differing, 0, "{key}: {differing} bytes differ from Pillow");
        checked += 1;
    }
    assert_eq!(checked, 120);
}

#[test]
fn corrupt_and_unsupported_files_are_errors_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8]); 3] = [
        ("truncated.jpg", &[0xff, 0xd8, 0xff, 0xe0, 0, 16, b'J', b'F', b'I', b'F', 0]),
        ("garbage.png", b"\x89PNG\r\n\x1a\nnot really a png"),
        ("notes.txt", b"hello"),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = format!("{:#}", decode_file(&path).unwrap_err());
        assert!(err.contains(name), "the error names the file: {err}");
    }
}
