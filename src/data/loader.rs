//! Decoding and preprocessing images in parallel ahead of the model: a worker thread
//! prepares the next batches with rayon while the current one runs, so a GPU never
//! waits on the CPU. Unreadable images are skipped and reported, never fatal.
use super::clip_preprocess::ClipPreprocess;
use super::image::{decode_bytes, decode_file, Image};
use anyhow::{Context as _, Result};
use crossbeam_channel::{bounded, Receiver};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Where one image's bytes are.
#[derive(Debug, Clone)]
pub enum ImageRef {
    File(PathBuf),
    /// An image stored inside another file (a parquet row); `name` says which.
    Bytes { name: String, data: Arc<Vec<u8>> },
}

impl ImageRef {
    pub fn decode(&self) -> Result<Image> {
        match self {
            ImageRef::File(p) => decode_file(p),
            ImageRef::Bytes { name, data } => decode_bytes(data).with_context(|| format!("decoding {name}")),
        }
    }

    pub fn name(&self) -> String {
        match self {
            ImageRef::File(p) => p.display().to_string(),
            ImageRef::Bytes { name, .. } => name.clone(),
        }
    }

    /// The name a reader knows the image by: its class folder and file name
    /// (`ramen/100060.jpg`), not where this machine's cache keeps it.
    pub fn short_name(&self) -> String {
        match self {
            ImageRef::File(p) => {
                let parts: Vec<String> = p.iter().rev().take(2).map(|c| c.to_string_lossy().into_owned()).collect();
                parts.into_iter().rev().collect::<Vec<_>>().join("/")
            }
            ImageRef::Bytes { name, .. } => name.clone(),
        }
    }
}

/// Decoded image → normalised pixels [3, size, size]; `key` seeds any randomness, so a
/// given (image, key) always gives the same pixels (resumable training).
pub trait Transform: Send + Sync {
    fn size(&self) -> usize;
    fn apply(&self, img: &Image, key: u64) -> Vec<f32>;
}

impl Transform for ClipPreprocess {
    fn size(&self) -> usize {
        self.size
    }

    fn apply(&self, img: &Image, _key: u64) -> Vec<f32> {
        ClipPreprocess::apply(self, img)
    }
}

pub struct Batch {
    /// Positions in the input list of the images in this batch.
    pub indices: Vec<usize>,
    /// [batch, 3, size, size], normalised.
    pub pixels: tch::Tensor,
}

pub struct ImageLoader {
    rx: Receiver<Batch>,
    skipped: Arc<Mutex<Vec<(String, String)>>>,
    worker: Option<JoinHandle<()>>,
}

/// Starts preparing `paths` in batches of `batch_size`, keeping `depth` batches ready.
pub fn load_images(paths: Vec<PathBuf>, preprocess: ClipPreprocess, batch_size: usize, depth: usize) -> ImageLoader {
    let items = paths.into_iter().map(|p| (ImageRef::File(p), 0)).collect();
    load(items, Arc::new(preprocess), batch_size, depth)
}

/// Starts preparing `items` (image, transform key) in batches of `batch_size`, keeping
/// `depth` batches ready.
pub fn load(items: Vec<(ImageRef, u64)>, transform: Arc<dyn Transform>, batch_size: usize, depth: usize) -> ImageLoader {
    let (tx, rx) = bounded(depth.max(1));
    let skipped = Arc::new(Mutex::new(Vec::new()));
    let failures = skipped.clone();
    let worker = std::thread::Builder::new()
        .name("adaptlab-image-loader".into())
        .spawn(move || {
            let size = transform.size() as i64;
            let all: Vec<usize> = (0..items.len()).collect();
            for chunk in all.chunks(batch_size.max(1)) {
                let prepared: Vec<(usize, Result<Vec<f32>, String>)> = chunk
                    .par_iter()
                    .map(|&i| {
                        let (image, key) = &items[i];
                        (i, image.decode().map(|img| transform.apply(&img, *key)).map_err(|e| format!("{e:#}")))
                    })
                    .collect();
                let mut indices = Vec::with_capacity(chunk.len());
                let mut flat = Vec::with_capacity(chunk.len() * 3 * (size * size) as usize);
                for (i, result) in prepared {
                    match result {
                        Ok(pixels) => {
                            indices.push(i);
                            flat.extend_from_slice(&pixels);
                        }
                        Err(e) => failures.lock().unwrap_or_else(|p| p.into_inner()).push((items[i].0.name(), e)),
                    }
                }
                if indices.is_empty() {
                    continue;
                }
                let pixels = tch::Tensor::from_slice(&flat).view([indices.len() as i64, 3, size, size]);
                if tx.send(Batch { indices, pixels }).is_err() {
                    return; // the consumer stopped early (cancelled)
                }
            }
        })
        .expect("starting the image loader thread");
    ImageLoader { rx, skipped, worker: Some(worker) }
}

impl ImageLoader {
    /// Images that could not be read so far, with the reason.
    pub fn skipped(&self) -> Vec<(String, String)> {
        self.skipped.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Iterator for ImageLoader {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        self.rx.recv().ok()
    }
}

impl Drop for ImageLoader {
    fn drop(&mut self) {
        // Unblock the worker if it is waiting to send, then let it finish.
        let rx = std::mem::replace(&mut self.rx, bounded(1).1);
        drop(rx);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
