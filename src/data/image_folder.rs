//! A folder of images for self-supervised training (a user's own MRI scans): either class
//! sub-folders (`root/<class>/*.png`, labels kept for evaluation) or images directly in
//! `root` (unlabelled). Each image is made RGB (grayscale scans repeat their channel),
//! its short side resized to `side` and centre-cropped, and kept as u8 [N, 3, side, side].
//! Unreadable, zero-byte and unsupported files are skipped and listed, never fatal; a
//! folder with no readable image is an error that says where it looked.
use super::clip_preprocess::{center_crop, shortest_side_size};
use super::image::{decode_file, mode::to_rgb, resample::{resize, Filter}, Mode};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

/// Extensions decoded.
const DECODED: [&str; 3] = ["jpg", "jpeg", "png"];
/// Image formats recognised but not decoded: listed as skipped with advice.
const UNSUPPORTED: [&str; 10] = ["bmp", "gif", "tif", "tiff", "webp", "dcm", "dicom", "nii", "pgm", "ppm"];

pub struct FolderImages {
    /// u8 [N, 3, side, side].
    pub images: Tensor,
    /// Class index per image when the folder has class sub-folders.
    pub labels: Option<Vec<i64>>,
    pub classes: Vec<String>,
    pub files: Vec<PathBuf>,
    /// (file, reason) for every file that could not be used.
    pub skipped: Vec<(PathBuf, String)>,
}

fn extension(p: &Path) -> Option<String> {
    p.extension().map(|e| e.to_string_lossy().to_lowercase())
}

fn is_hidden(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// Image-like files directly in `dir`, sorted.
fn image_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the folder {}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && !is_hidden(p) && extension(p).is_some_and(|e| DECODED.contains(&e.as_str()) || UNSUPPORTED.contains(&e.as_str())))
        .collect();
    files.sort();
    Ok(files)
}

/// One file as u8 planar RGB side×side.
fn prepare(path: &Path, side: usize) -> Result<Vec<u8>> {
    let ext = extension(path).unwrap_or_default();
    if UNSUPPORTED.contains(&ext.as_str()) {
        bail!("unsupported format (.{ext}); convert it to PNG");
    }
    if std::fs::metadata(path).map(|m| m.len() == 0).unwrap_or(false) {
        bail!("empty file (0 bytes)");
    }
    let img = decode_file(path)?;
    let img = if img.mode == Mode::Rgb { img } else { to_rgb(&img) };
    let (w, h) = shortest_side_size(img.width, img.height, side);
    let img = center_crop(&resize(&img, w.max(1), h.max(1), Filter::Bilinear), side);
    let plane = side * side;
    let mut out = vec![0u8; 3 * plane];
    for (i, px) in img.data.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = px[c];
        }
    }
    Ok(out)
}

/// Reads `root` as described above.
pub fn read(root: &Path, side: usize) -> Result<FolderImages> {
    if !root.is_dir() {
        bail!("{} is not a folder; give a folder of images (class sub-folders optional)", root.display());
    }
    let mut class_dirs: Vec<PathBuf> = std::fs::read_dir(root).with_context(|| format!("reading the folder {}", root.display()))?.flatten().map(|e| e.path()).filter(|p| p.is_dir() && !is_hidden(p)).collect();
    class_dirs.sort();
    let mut listed: Vec<(PathBuf, Option<i64>)> = Vec::new();
    let mut classes = Vec::new();
    for dir in &class_dirs {
        let files = image_files(dir)?;
        if files.is_empty() {
            continue;
        }
        let label = classes.len() as i64;
        classes.push(dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        listed.extend(files.into_iter().map(|f| (f, Some(label))));
    }
    if listed.is_empty() {
        listed = image_files(root)?.into_iter().map(|f| (f, None)).collect();
    }
    if listed.is_empty() {
        bail!("no images in {} (looked for .jpg, .jpeg and .png files in it and in its sub-folders)", root.display());
    }
    let prepared: Vec<Result<Vec<u8>>> = listed.par_iter().map(|(p, _)| prepare(p, side)).collect();
    let (mut pixels, mut labels, mut files, mut skipped) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for ((path, label), result) in listed.into_iter().zip(prepared) {
        match result {
            Ok(px) => {
                pixels.extend_from_slice(&px);
                labels.push(label);
                files.push(path);
            }
            Err(e) => skipped.push((path, format!("{e:#}"))),
        }
    }
    if files.is_empty() {
        bail!("none of the {} images in {} could be read (first: {}: {})", skipped.len(), root.display(), skipped[0].0.display(), skipped[0].1);
    }
    let n = files.len() as i64;
    let side = side as i64;
    let images = Tensor::from_slice(&pixels).to_kind(Kind::Uint8).view([n, 3, side, side]);
    let labels = if classes.is_empty() { None } else { Some(labels.into_iter().map(|l| l.unwrap_or(0)).collect()) };
    Ok(FolderImages { images, labels, classes, files, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(path: &Path, w: u32, h: u32, gray: bool) {
        let file = std::fs::File::create(path).unwrap();
        let mut enc = png::Encoder::new(file, w, h);
        enc.set_color(if gray { png::ColorType::Grayscale } else { png::ColorType::Rgb });
        enc.set_depth(png::BitDepth::Eight);
        let channels = if gray { 1 } else { 3 };
        let data: Vec<u8> = (0..w * h * channels).map(|i| (i * 7 % 251) as u8).collect();
        enc.write_header().unwrap().write_image_data(&data).unwrap();
    }

    #[test]
    fn class_folders_give_labels_and_bad_files_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        for class in ["glioma", "healthy"] {
            std::fs::create_dir(dir.path().join(class)).unwrap();
        }
        png(&dir.path().join("glioma/a.png"), 40, 30, true);
        png(&dir.path().join("healthy/b.png"), 20, 20, false);
        std::fs::write(dir.path().join("healthy/empty.png"), b"").unwrap();
        std::fs::write(dir.path().join("healthy/broken.jpg"), b"\xff\xd8not really").unwrap();
        std::fs::write(dir.path().join("healthy/scan.dcm"), b"DICM").unwrap();
        std::fs::write(dir.path().join("healthy/notes.txt"), b"ignored").unwrap();
        let got = read(dir.path(), 16).unwrap();
        assert_eq!(got.images.size(), vec![2, 3, 16, 16]);
        assert_eq!(got.classes, vec!["glioma", "healthy"]);
        assert_eq!(got.labels, Some(vec![0, 1]));
        let mut reasons: Vec<String> = got.skipped.iter().map(|(p, r)| format!("{}: {r}", p.file_name().unwrap().to_string_lossy())).collect();
        reasons.sort();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(reasons[1].starts_with("empty.png: empty file"), "{reasons:?}");
        assert!(reasons[2].contains("convert it to PNG"), "{reasons:?}");
        // A grayscale scan has three equal channels.
        let first = got.images.get(0);
        assert!(first.get(0).equal(&first.get(1)) && first.get(1).equal(&first.get(2)));
    }

    #[test]
    fn loose_images_are_unlabelled_and_an_empty_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(dir.path(), 16).err().unwrap().to_string();
        assert!(err.contains("no images in"), "{err}");
        png(&dir.path().join("x.png"), 8, 8, false);
        let got = read(dir.path(), 16).unwrap();
        assert_eq!(got.labels, None);
        assert_eq!(got.images.size(), vec![1, 3, 16, 16]);
        std::fs::write(dir.path().join("x.png"), b"").unwrap();
        let err = read(dir.path(), 16).err().unwrap().to_string();
        assert!(err.contains("could be read") && err.contains("x.png"), "{err}");
    }
}
