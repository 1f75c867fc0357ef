//! Odd and hostile image files get PIL's verdict: truncated files refused unless
//! `--load-truncated-images` (then decoded as PIL's LOAD_TRUNCATED_IMAGES does),
//! decompression bombs refused, 16-bit PNGs read as PIL reads them, and formats other
//! than JPEG/PNG named in the error. Pixels are compared with PIL's wherever both open.
mod common;
use adaptlab::data::image::decode::{decode_file, problem_kind, set_load_truncated, take_truncated_loaded};
use adaptlab::data::image::mode::to_rgb;
use adaptlab::data::image::Mode;
use std::collections::HashMap;
use std::path::Path;
use tch::Tensor;

fn rgb_pixels(path: &Path) -> anyhow::Result<Vec<u8>> {
    let img = decode_file(path)?;
    Ok(if img.mode == Mode::Rgb { img.data } else { to_rgb(&img).data })
}

/// One test, since the truncation switch is process-wide (as PIL's is).
#[test]
fn verdicts_and_pixels_match_pil() {
    for seed in [0u64, 1, 2] {
        let dir = tempfile::tempdir().unwrap();
        common::python::run_reference("image_policy_reference.py", &[dir.path().to_str().unwrap(), &seed.to_string()]);
        let verdicts: HashMap<String, HashMap<String, String>> = serde_json::from_str(&std::fs::read_to_string(dir.path().join("verdicts.json")).unwrap()).unwrap();
        let pixels: HashMap<String, Tensor> = Tensor::read_safetensors(dir.path().join("pixels.safetensors")).unwrap().into_iter().collect();
        let mut names: Vec<&String> = verdicts.keys().collect();
        names.sort();
        for mode in ["default", "truncated_ok"] {
            set_load_truncated(mode == "truncated_ok");
            for name in &names {
                let pil = &verdicts[*name][mode];
                let ours = rgb_pixels(&dir.path().join("images").join(name));
                let other_format = ["gif-named.jpg", "webp-named.jpg", "tiff-named.png"].contains(&name.as_str());
                match (&ours, pil.as_str()) {
                    (Ok(ours), "ok") => {
                        let expected = Vec::<u8>::try_from(pixels[&format!("{mode}/{name}")].flatten(0, -1)).unwrap();
                        let differing = ours.iter().zip(&expected).filter(|(a, b)| a != b).count();
                        assert!(ours.len() == expected.len() && differing == 0, "seed {seed} {mode} {name}: {differing} of {} bytes differ from PIL", expected.len());
                    }
                    (Err(e), "ok") if other_format => {
                        let e = format!("{e:#}");
                        let format = name.split('-').next().unwrap().to_uppercase();
                        assert!(e.to_uppercase().contains(&format) && e.contains("convert"), "{name}: {e}");
                        assert_eq!(problem_kind(&e), "other_format", "{name}");
                    }
                    (Err(e), pil) if pil != "ok" => {
                        let e = format!("{e:#}");
                        assert!(e.contains(name.as_str()), "the error names the file: {e}");
                        // The kind a report words beside the file.
                        let kind = problem_kind(&e);
                        if pil.contains("truncated") {
                            assert!(e.contains("truncated") && e.contains("--load-truncated-images"), "{name}: {e}");
                            assert_eq!(kind, "truncated", "{name}");
                        } else if pil.contains("DecompressionBomb") {
                            assert!(e.contains("decompression bomb") && e.contains("178956970"), "{name}: {e}");
                            assert_eq!(kind, "too_large", "{name}");
                        } else if name.starts_with("empty") {
                            assert!(e.contains("empty file"), "{name}: {e}");
                            assert_eq!(kind, "empty", "{name}");
                        } else {
                            assert_eq!(kind, "corrupt", "{name}: {e}");
                        }
                    }
                    (Ok(_), pil) => panic!("seed {seed} {mode} {name}: we decoded it, PIL says {pil}"),
                    (Err(e), _) => panic!("seed {seed} {mode} {name}: we refused it ({e:#}), PIL opens it"),
                }
            }
            let loaded = take_truncated_loaded();
            if mode == "truncated_ok" {
                let cut = names.iter().filter(|n| verdicts[**n]["default"].contains("truncated")).count();
                assert_eq!(loaded.len(), cut, "every truncated file decoded is listed for a warning: {loaded:?}");
            } else {
                assert!(loaded.is_empty());
            }
        }
        set_load_truncated(false);
    }
}

#[test]
fn the_switches_are_accepted_by_every_command() {
    use clap::Parser;
    for args in [
        &["adaptlab", "check", "--suite", "demo", "--load-truncated-images", "--max-image-pixels", "1000"][..],
        &["adaptlab", "clip", "classify", "--model", "demo", "--label", "a", "--label", "b", "x.jpg", "--load-truncated-images"][..],
        &["adaptlab", "--report", "--suite", "demo", "--load-truncated-images"][..],
    ] {
        let cli = adaptlab::cli::Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(cli.images.load_truncated_images, "{args:?}");
    }
    let cli = adaptlab::cli::Cli::try_parse_from(["adaptlab", "check", "--suite", "demo"]).unwrap();
    assert!(!cli.images.load_truncated_images);
    assert_eq!(cli.images.max_image_pixels, 2 * adaptlab::data::image::decode::PIL_MAX_IMAGE_PIXELS);
}
