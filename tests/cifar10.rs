//! CIFAR-10's on-disk formats: the Python version as Python 2 pickled it and as Python 3
//! pickles it (read as data by the restricted unpickler), and the binary version; written
//! by the test's Python script, read back pixel for pixel. A pickle that would run code, a
//! truncated batch and a missing folder are refused with the file named.
mod common;
use adaptlab::data::cifar10::Cifar10;
use adaptlab::data::formats::pickle;
use common::tensor;
use tch::{Kind, Tensor};

fn check(style: &str) {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("cifar_reference.py", &[dir.path().to_str().unwrap(), style]);
    let data = Cifar10::open(dir.path()).unwrap_or_else(|e| panic!("{style}: {e:#}"));
    assert_eq!(data.classes[0], "airplane");
    assert_eq!(data.classes[9], "truck");
    let expected = Tensor::read_safetensors(dir.path().join("expected.safetensors")).unwrap();
    let train: Vec<Tensor> = (1..=5).map(|i| tensor(&expected, &format!("data_batch_{i}.data"))).collect();
    let want = Tensor::cat(&train, 0).view([-1, 3, 32, 32]);
    assert_eq!(data.train.images.size(), vec![30, 3, 32, 32]);
    assert!(data.train.images.to_kind(Kind::Int64).equal(&want.to_kind(Kind::Int64)), "{style}: training pixels");
    let labels: Vec<i64> = (1..=5).flat_map(|i| Vec::<i64>::try_from(tensor(&expected, &format!("data_batch_{i}.labels"))).unwrap()).collect();
    assert_eq!(data.train.labels, labels, "{style}: training labels");
    assert!(data.test.images.to_kind(Kind::Int64).equal(&tensor(&expected, "test_batch.data").view([-1, 3, 32, 32]).to_kind(Kind::Int64)));
    assert_eq!(data.test.labels, Vec::<i64>::try_from(tensor(&expected, "test_batch.labels")).unwrap());
}

#[test]
fn the_python_version_written_by_python_2() {
    check("py2");
}

#[test]
fn the_python_version_written_by_python_3() {
    check("py3");
}

#[test]
fn the_binary_version() {
    check("bin");
}

#[test]
fn fetch_checks_the_md5_and_unpacks_whole() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    common::python::run_reference("cifar_reference.py", &[src.to_str().unwrap(), "py2"]);
    let archive = dir.path().join("cifar-10-python.tar.gz");
    let status = std::process::Command::new("tar").args(["czf", archive.to_str().unwrap(), "-C", src.to_str().unwrap(), "cifar-10-batches-py"]).status().unwrap();
    assert!(status.success());
    let md5 = adaptlab::hub::food::md5_file(&archive).unwrap();
    let url = format!("file://{}", archive.display());
    let run = |cache: &std::path::Path, md5: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_adaptlab")).args(["fetch", "cifar10", "--url", &url, "--md5", md5]).env("ADAPTLAB_CACHE", cache).env("ADAPTLAB_HOME", dir.path().join("home")).output().unwrap()
    };
    let wrong = dir.path().join("wrong");
    let out = run(&wrong, "0123456789abcdef0123456789abcdef");
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("MD5"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!wrong.join("datasets/cifar10").exists(), "nothing is unpacked from a bad download");
    let cache = dir.path().join("cache");
    let out = run(&cache, &md5);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("30 train and 6 test images"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(Cifar10::open(&cache.join("datasets/cifar10")).unwrap().train.labels.len(), 30);
}

#[test]
fn hostile_and_broken_files_are_refused() {
    // `os.system('echo pwned')` as a pickle: recorded, never run, and not an array.
    let evil = b"cos\nsystem\n(S'echo pwned'\ntR.";
    let v = pickle::parse(evil).unwrap();
    assert!(pickle::numpy_array(&v).is_err());
    assert!(pickle::parse(b"\x80\x02}q\x00(U\x04dataq").is_err(), "a truncated pickle");
    assert!(pickle::parse(b"\x80\x05\x96").unwrap_err().to_string().contains("0x96"), "an unknown opcode is named");
    let dir = tempfile::tempdir().unwrap();
    let err = format!("{:#}", Cifar10::open(dir.path()).err().unwrap());
    assert!(err.contains("adaptlab fetch cifar10"), "{err}");
    common::python::run_reference("cifar_reference.py", &[dir.path().to_str().unwrap(), "bin"]);
    let batch = dir.path().join("cifar-10-batches-bin/data_batch_3.bin");
    let bytes = std::fs::read(&batch).unwrap();
    std::fs::write(&batch, &bytes[..bytes.len() - 10]).unwrap();
    let err = format!("{:#}", Cifar10::open(dir.path()).err().unwrap());
    assert!(err.contains("data_batch_3.bin") && err.contains("truncated"), "{err}");
}
