//! CIFAR-10 as its authors distribute it: the Python version (`cifar-10-batches-py/`, pickled
//! batches, read as data by `formats::pickle`, never executed) or the binary version
//! (`cifar-10-batches-bin/`, records of one label byte and 3,072 pixel bytes). Five training
//! batches and one test batch of 10,000 32×32 RGB images; pixels kept as u8 [N, 3, 32, 32].
use super::formats::pickle::{self, Value};
use anyhow::{bail, ensure, Context, Result};
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

/// The archive torchvision and the authors' page point to, and its MD5 (torchvision's
/// `CIFAR10.tgz_md5`).
pub const PYTHON_URL: &str = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz";
pub const PYTHON_MD5: &str = "c58f30108f718f92721af3b95e74349a";

const SIDE: i64 = 32;
const PIXELS: usize = 3 * 32 * 32;

/// One split: images [N, 3, 32, 32] u8 and labels.
pub struct Split {
    pub images: Tensor,
    pub labels: Vec<i64>,
}

pub struct Cifar10 {
    pub classes: Vec<String>,
    pub train: Split,
    pub test: Split,
}

fn concat(parts: Vec<Split>) -> Split {
    let labels = parts.iter().flat_map(|p| p.labels.iter().copied()).collect();
    let images = Tensor::cat(&parts.iter().map(|p| p.images.shallow_clone()).collect::<Vec<_>>(), 0);
    Split { images, labels }
}

fn from_pixels(pixels: &[u8], labels: Vec<i64>, source: &Path) -> Result<Split> {
    ensure!(pixels.len() == labels.len() * PIXELS, "{}: {} pixel bytes for {} labels", source.display(), pixels.len(), labels.len());
    ensure!(labels.iter().all(|l| (0..10).contains(l)), "{}: a label outside 0–9", source.display());
    let images = Tensor::from_slice(pixels).to_kind(Kind::Uint8).view([labels.len() as i64, 3, SIDE, SIDE]);
    Ok(Split { images, labels })
}

fn ints(v: &Value, what: &str) -> Result<Vec<i64>> {
    match v {
        Value::List(items) => items.iter().map(|i| match i {
            Value::Int(n) => Ok(*n),
            other => bail!("{what} holds {other:?}"),
        }).collect(),
        other => bail!("{what} is {other:?}, not a list"),
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

fn read_python_batch(path: &Path) -> Result<Split> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let value = pickle::parse(&bytes).with_context(|| format!("{} is not a readable pickle", path.display()))?;
    let data = value.get("data").with_context(|| format!("{} has no `data`", path.display()))?;
    let (shape, dtype, raw) = pickle::numpy_array(data).with_context(|| format!("{}: `data`", path.display()))?;
    ensure!(dtype.ends_with("u1") && shape.len() == 2 && shape[1] == PIXELS, "{}: `data` is {shape:?} of {dtype}, expected [N, 3072] of uint8", path.display());
    let labels = ints(value.get("labels").with_context(|| format!("{} has no `labels`", path.display()))?, "`labels`")?;
    from_pixels(&raw, labels, path)
}

fn read_binary_batch(path: &Path) -> Result<Split> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    ensure!(bytes.len().is_multiple_of(PIXELS + 1), "{}: {} bytes is not a whole number of 3,073-byte records (truncated?)", path.display(), bytes.len());
    let mut labels = Vec::with_capacity(bytes.len() / (PIXELS + 1));
    let mut pixels = Vec::with_capacity(bytes.len());
    for record in bytes.chunks_exact(PIXELS + 1) {
        labels.push(i64::from(record[0]));
        pixels.extend_from_slice(&record[1..]);
    }
    from_pixels(&pixels, labels, path)
}

/// The folder holding the batches under `root` (the unpacked archive, or the batches folder).
fn find(root: &Path) -> Option<(PathBuf, bool)> {
    for (dir, python) in [("cifar-10-batches-py", true), ("cifar-10-batches-bin", false)] {
        if root.join(dir).is_dir() {
            return Some((root.join(dir), python));
        }
    }
    if root.join("data_batch_1").is_file() {
        return Some((root.to_path_buf(), true));
    }
    root.join("data_batch_1.bin").is_file().then(|| (root.to_path_buf(), false))
}

impl Cifar10 {
    pub fn open(root: &Path) -> Result<Cifar10> {
        let (dir, python) = find(root).with_context(|| format!("{} holds neither cifar-10-batches-py/ nor cifar-10-batches-bin/; run `adaptlab fetch cifar10`", root.display()))?;
        let batch = |name: &str| if python { read_python_batch(&dir.join(name)) } else { read_binary_batch(&dir.join(format!("{name}.bin"))) };
        let train = concat((1..=5).map(|i| batch(&format!("data_batch_{i}"))).collect::<Result<Vec<_>>>()?);
        let test = batch("test_batch")?;
        let classes: Vec<String> = if python {
            let meta = dir.join("batches.meta");
            let bytes = std::fs::read(&meta).with_context(|| format!("reading {}", meta.display()))?;
            let value = pickle::parse(&bytes).with_context(|| format!("{} is not a readable pickle", meta.display()))?;
            match value.get("label_names") {
                Some(Value::List(names)) => names.iter().filter_map(text).collect(),
                _ => bail!("{} has no `label_names` list", meta.display()),
            }
        } else {
            let meta = dir.join("batches.meta.txt");
            std::fs::read_to_string(&meta).with_context(|| format!("reading {}", meta.display()))?.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
        };
        ensure!(classes.len() == 10, "{} names {} classes, CIFAR-10 has 10", dir.display(), classes.len());
        Ok(Cifar10 { classes, train, test })
    }
}
