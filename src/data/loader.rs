//! Decoding and preprocessing images in parallel ahead of the model: a worker thread
//! prepares the next batches with rayon while the current one runs, so a GPU never
//! waits on the CPU. Unreadable images are skipped and reported, never fatal.
use super::clip_preprocess::ClipPreprocess;
use super::image::decode_file;
use crossbeam_channel::{bounded, Receiver};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub struct Batch {
    /// Positions in the input list of the images in this batch.
    pub indices: Vec<usize>,
    /// [batch, 3, size, size], normalised.
    pub pixels: tch::Tensor,
}

pub struct ImageLoader {
    rx: Receiver<Batch>,
    skipped: Arc<Mutex<Vec<(PathBuf, String)>>>,
    worker: Option<JoinHandle<()>>,
}

/// Starts preparing `paths` in batches of `batch_size`, keeping `depth` batches ready.
pub fn load_images(paths: Vec<PathBuf>, preprocess: ClipPreprocess, batch_size: usize, depth: usize) -> ImageLoader {
    let (tx, rx) = bounded(depth.max(1));
    let skipped = Arc::new(Mutex::new(Vec::new()));
    let failures = skipped.clone();
    let worker = std::thread::Builder::new()
        .name("adaptlab-image-loader".into())
        .spawn(move || {
            let size = preprocess.size as i64;
            let all: Vec<usize> = (0..paths.len()).collect();
            for chunk in all.chunks(batch_size.max(1)) {
                let prepared: Vec<(usize, Result<Vec<f32>, String>)> = chunk
                    .par_iter()
                    .map(|&i| (i, decode_file(&paths[i]).map(|img| preprocess.apply(&img)).map_err(|e| format!("{e:#}"))))
                    .collect();
                let mut indices = Vec::with_capacity(chunk.len());
                let mut flat = Vec::with_capacity(chunk.len() * 3 * (size * size) as usize);
                for (i, result) in prepared {
                    match result {
                        Ok(pixels) => {
                            indices.push(i);
                            flat.extend_from_slice(&pixels);
                        }
                        Err(e) => failures.lock().unwrap_or_else(|p| p.into_inner()).push((paths[i].clone(), e)),
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
    pub fn skipped(&self) -> Vec<(PathBuf, String)> {
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
