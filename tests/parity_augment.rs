//! MoCo v2's augmentation operators against torchvision's tensor functions on the same
//! images and factors (tests/parity/augment_reference.py): brightness, contrast, saturation
//! and hue, grayscale, Gaussian blur and a downscaling resized crop, each ≤ 1e-5.
mod common;
use adaptlab::data::moco_augment::{adjust, blur, crop_and_flip, grayscale, View};
use common::{max_diff, tensor};
use tch::{Kind, Tensor};

fn reference() -> Vec<(String, Tensor)> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("augment.safetensors");
    common::python::run_reference("augment_reference.py", &[out.to_str().unwrap()]);
    Tensor::read_safetensors(&out).unwrap()
}

fn plain(crop: (usize, usize, usize, usize)) -> View {
    View { crop, jitter: None, grayscale: false, blur: None, flip: false }
}

#[test]
fn colour_blur_and_crop_match_torchvision() {
    let r = reference();
    let x = tensor(&r, "images").to_kind(Kind::Float) / 255.0;
    for (op, name) in ["brightness", "contrast", "saturation", "hue"].iter().enumerate() {
        let f = tensor(&r, &format!("{name}.factors")).to_kind(Kind::Float).view([-1, 1, 1, 1]);
        let d = max_diff(&adjust(&x, op as u8, &f), &tensor(&r, name));
        assert!(d < 1e-5, "{name} differs by {d}");
    }
    let d = max_diff(&grayscale(&x), &tensor(&r, "grayscale"));
    assert!(d < 1e-6, "grayscale differs by {d}");
    let sigmas: Vec<f32> = Vec::try_from(&tensor(&r, "blur.sigmas")).unwrap();
    let views: Vec<View> = sigmas.iter().map(|&s| View { blur: Some(f64::from(s)), ..plain((0, 0, 20, 20)) }).collect();
    let d = max_diff(&blur(&x, &views), &tensor(&r, "blur"));
    assert!(d < 1e-5, "blur differs by {d}");
    let boxes: Vec<i64> = Vec::try_from(&tensor(&r, "crop.boxes").flatten(0, -1)).unwrap();
    let views: Vec<View> = boxes.chunks(4).map(|b| plain((b[0] as usize, b[1] as usize, b[2] as usize, b[3] as usize))).collect();
    let d = max_diff(&crop_and_flip(&x, &views, 8), &tensor(&r, "crop"));
    assert!(d < 1e-5, "resized crop differs by {d}");
}
