//! MAT-file reading against files scipy writes (compressed or not, integer labels,
//! non-ASCII names, a struct to skip), and our MATLAB-style writer read back by scipy.
mod common;
use adaptlab::data::formats::mat5;

#[test]
fn reads_what_scipy_writes() {
    let dir = tempfile::tempdir().unwrap();
    common::python::run_reference("mat_reference.py", &[dir.path().to_str().unwrap()]);
    let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.path().join("expected.json")).unwrap()).unwrap();
    let strings = |k: &str| -> Vec<String> { expected[k].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect() };
    let labels: Vec<f64> = expected["labels"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for name in ["list_compressed_false.mat", "list_compressed_true.mat", "labels_int.mat"] {
        let vars = mat5::read(&std::fs::read(dir.path().join(name)).unwrap()).unwrap();
        assert_eq!(vars["file_list"].strings().unwrap(), strings("file_list"), "{name}");
        assert_eq!(vars["labels"].numbers().unwrap(), labels.as_slice(), "{name}");
        if name != "labels_int.mat" {
            assert_eq!(vars["annotation_list"].strings().unwrap(), strings("annotation_list"), "{name}");
            assert!(matches!(vars["meta"], mat5::MatValue::Unsupported { class: 2 }), "{name}: the struct is recognised and skipped");
        }
    }
}

#[test]
fn scipy_reads_what_we_write() {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = vec!["n02085620-Chihuahua/n02085620_5927.jpg".into(), "n99-Caf\u{e9}/x.jpg".into()];
    let bytes = mat5::write(&[("file_list", mat5::cell_of_strings(&files)), ("labels", mat5::column(&[1.0, 2.0]))]).unwrap();
    let path = dir.path().join("ours.mat");
    std::fs::write(&path, bytes).unwrap();
    let script = format!(
        "import scipy.io, json; m = scipy.io.loadmat({:?}); print(json.dumps([[str(c[0][0]) for c in m['file_list']], m['labels'].ravel().tolist()]))",
        path.to_str().unwrap()
    );
    let out = std::process::Command::new(common::python::interpreter()).args(["-c", &script]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(parsed, serde_json::json!([files, [1.0, 2.0]]));
}
