//! Downloads against a loopback HTTP server: resume after a dropped connection, sha256
//! checks, the Hugging Face cache layout (and reuse with the network gone), and
//! `fetch stanford-dogs` from a mirror of generated archives, and Q4's sentiment-dksf
//! parquet files from a hub tree listing.
mod common;
use adaptlab::hub::download::{download, partial_path, sha256_file, Progress};
use adaptlab::hub::{dogs, hf};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Routes = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// Serves `routes` on 127.0.0.1 for at most 60 s and 100 connections. `/flaky/...` paths
/// drop the connection halfway through the first full (non-Range) response.
fn serve(routes: Routes, hub_commit: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let drops = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut served = 0;
        while Instant::now() < deadline && served < 100 {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            served += 1;
            stream.set_nonblocking(false).ok();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            reader.read_line(&mut request).ok();
            let mut range: Option<u64> = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_lowercase().strip_prefix("range: bytes=") {
                    range = v.trim().trim_end_matches('-').parse().ok();
                }
            }
            let mut parts = request.split_whitespace();
            let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or("").to_string());
            let mut out = stream;
            if path.starts_with("/api/models/gated/") {
                out.write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").ok();
                continue;
            }
            if let Some(file) = path.strip_prefix("/org/model/resolve/main/") {
                // Hub metadata: a redirect to the content, with commit and sha256 ETag.
                let body = routes.lock().unwrap().get(&format!("/blobs/{file}")).cloned();
                let reply = match body {
                    Some(b) => format!(
                        "HTTP/1.1 302 Found\r\nx-repo-commit: {hub_commit}\r\nx-linked-etag: \"{}\"\r\nlocation: /blobs/{file}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                        hex::encode(Sha256::digest(&b))
                    ),
                    None => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
                };
                out.write_all(reply.as_bytes()).ok();
                continue;
            }
            let Some(body) = routes.lock().unwrap().get(&path).cloned() else {
                out.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").ok();
                continue;
            };
            let start = range.unwrap_or(0) as usize;
            let head = if range.is_some() {
                format!("HTTP/1.1 206 Partial Content\r\ncontent-range: bytes {start}-{}/{}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len() - 1, body.len(), body.len() - start)
            } else {
                format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len())
            };
            out.write_all(head.as_bytes()).ok();
            if method == "HEAD" {
                continue;
            }
            let rest = &body[start..];
            if path.starts_with("/flaky/") && range.is_none() && drops.fetch_add(1, Ordering::SeqCst) == 0 {
                out.write_all(&rest[..rest.len() / 2]).ok();
                continue; // dropped: the client sees a short body
            }
            out.write_all(rest).ok();
        }
    });
    addr
}

fn quiet() -> Progress<'static> {
    Progress { report: &|_, _| {} }
}

fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn interrupted_download_resumes_and_is_verified() {
    let body = payload(300_000);
    let sha = hex::encode(Sha256::digest(&body));
    let routes: Routes = Arc::new(Mutex::new(HashMap::from([("/flaky/weights.bin".to_string(), body.clone())])));
    let base = serve(routes, "unused");
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("weights.bin");
    let url = format!("{base}/flaky/weights.bin");

    let first = download(&url, &dest, Some(&sha), None, &quiet()).unwrap_err();
    assert!(format!("{first:#}").contains("run the command again"), "{first:#}");
    assert!(!dest.exists(), "nothing half-downloaded at the destination");
    let partial = std::fs::metadata(partial_path(&dest)).unwrap().len();
    assert!(partial > 0 && partial < body.len() as u64, "kept {partial} bytes to resume from");

    download(&url, &dest, Some(&sha), None, &quiet()).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(sha256_file(&dest).unwrap(), sha);

    let wrong = download(&url, &dir.path().join("other.bin"), Some(&"0".repeat(64)), None, &quiet()).unwrap_err();
    assert!(format!("{wrong:#}").contains("sha256"), "{wrong:#}");
    assert!(!partial_path(&dir.path().join("other.bin")).exists(), "a bad download is removed");
}

#[test]
fn hub_files_land_in_the_shared_cache_layout() {
    let body = payload(50_000);
    let routes: Routes = Arc::new(Mutex::new(HashMap::from([("/blobs/open_clip_model.safetensors".to_string(), body.clone())])));
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let base = serve(routes, commit);
    let cache = tempfile::tempdir().unwrap();
    let path = hf::fetch(&base, cache.path(), "org/model", "main", "open_clip_model.safetensors", false, &quiet()).unwrap();
    let repo = cache.path().join("models--org--model");
    assert_eq!(std::fs::read_to_string(repo.join("refs/main")).unwrap(), commit);
    assert_eq!(path, repo.join("snapshots").join(commit).join("open_clip_model.safetensors"));
    assert_eq!(std::fs::read(&path).unwrap(), body);
    assert!(repo.join("blobs").join(hex::encode(Sha256::digest(&body))).is_file(), "the blob is named by its sha256");
    assert_eq!(adaptlab::tasks::q3::model::find_in_hub_cache(cache.path(), "org/model"), Some(path.clone()));
    // Offline, and with a server that does not exist, the cached file is still found.
    let again = hf::fetch("http://127.0.0.1:9", cache.path(), "org/model", "main", "open_clip_model.safetensors", true, &quiet()).unwrap();
    assert_eq!(again, path);
    let missing = hf::fetch("http://127.0.0.1:9", cache.path(), "org/model", "main", "other.bin", true, &quiet()).unwrap_err();
    assert!(format!("{missing:#}").contains("offline mode"), "{missing:#}");
    let not_there = hf::fetch(&base, cache.path(), "org/model", "main", "nope.bin", false, &quiet()).unwrap_err();
    assert!(format!("{not_there:#}").contains("no such file"), "{not_there:#}");
}

fn tar_of(root: &std::path::Path, entries: &[&str]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for e in entries {
        let path = root.join(e);
        if path.is_dir() {
            builder.append_dir_all(e, &path).unwrap();
        } else {
            builder.append_path_with_name(&path, e).unwrap();
        }
    }
    builder.into_inner().unwrap()
}

#[test]
fn stanford_dogs_is_fetched_from_a_mirror_and_checked() {
    let source = tempfile::tempdir().unwrap();
    adaptlab::data::synth_dogs::write_dataset(source.path(), &adaptlab::data::synth_dogs::DogsLikeSpec { classes: 3, train_per_class: 3, test_per_class: 2, image_size: 16, seed: 2 }).unwrap();
    let routes: Routes = Arc::new(Mutex::new(HashMap::from([
        ("/dogs/images.tar".to_string(), tar_of(source.path(), &["Images"])),
        ("/dogs/lists.tar".to_string(), tar_of(source.path(), &["train_list.mat", "test_list.mat", "file_list.mat"])),
    ])));
    let base = serve(routes.clone(), "unused");
    let cache = tempfile::tempdir().unwrap();
    let fetched = dogs::fetch(&format!("{base}/dogs"), cache.path(), &quiet()).unwrap();
    assert_eq!((fetched.classes, fetched.train, fetched.test), (3, 9, 6));
    assert!(fetched.root.join("Images").is_dir());
    // A second fetch finds the verified copy and downloads nothing.
    routes.lock().unwrap().clear();
    assert_eq!(dogs::fetch(&format!("{base}/dogs"), cache.path(), &quiet()).unwrap().train, 9);

    // A mirror whose lists reference missing images is refused, and nothing is installed.
    let broken_cache = tempfile::tempdir().unwrap();
    let bad = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(bad.path().join("Images/n90000000-red_circle")).unwrap();
    for l in ["train_list.mat", "test_list.mat", "file_list.mat"] {
        std::fs::copy(source.path().join(l), bad.path().join(l)).unwrap();
    }
    std::fs::create_dir_all(bad.path().join("mirror")).unwrap();
    std::fs::write(bad.path().join("mirror/images.tar"), tar_of(bad.path(), &["Images"])).unwrap();
    std::fs::write(bad.path().join("mirror/lists.tar"), tar_of(source.path(), &["train_list.mat", "test_list.mat", "file_list.mat"])).unwrap();
    let err = dogs::fetch(&format!("file://{}", bad.path().join("mirror").display()), broken_cache.path(), &quiet()).unwrap_err();
    assert!(format!("{err:#}").contains("not a complete Stanford Dogs"), "{err:#}");
    assert!(!broken_cache.path().join("datasets/stanford-dogs").exists());
}

#[test]
fn a_whole_model_repository_is_fetched_from_its_tree_listing() {
    use adaptlab::hub::model_repo::{fetch_files, list_files, resolve_model, wanted};
    let weights = payload(40_000);
    let config = br#"{"model_type": "gpt2"}"#.to_vec();
    let nested = br#"{"nested": true}"#.to_vec();
    let sha = hex::encode(Sha256::digest(&weights));
    let tree = serde_json::json!([
        {"type": "file", "path": "config.json", "size": config.len(), "oid": "abc"},
        {"type": "file", "path": "model.safetensors", "size": weights.len(), "oid": "def", "lfs": {"oid": sha, "size": weights.len()}},
        {"type": "file", "path": "pytorch_model.bin", "size": 9, "oid": "x", "lfs": {"oid": "0".repeat(64), "size": 9}},
        {"type": "file", "path": "tf_model.h5", "size": 9, "oid": "y"},
        {"type": "directory", "path": "extra", "oid": "z"},
        {"type": "file", "path": "extra/notes.json", "size": nested.len(), "oid": "w"},
    ]);
    let routes: Routes = Arc::new(Mutex::new(HashMap::from([
        ("/api/models/org/model/tree/main?recursive=true".to_string(), tree.to_string().into_bytes()),
        ("/blobs/config.json".to_string(), config.clone()),
        ("/blobs/model.safetensors".to_string(), weights.clone()),
        ("/blobs/extra/notes.json".to_string(), nested.clone()),
    ])));
    let commit = "89abcdef0123456789abcdef0123456789abcdef";
    let base = serve(routes, commit);
    let cache = tempfile::tempdir().unwrap();
    let listed = list_files(&base, "org/model", "main").unwrap();
    assert_eq!(listed.len(), 5, "directories are not files");
    let files = wanted(&listed);
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, vec!["config.json", "model.safetensors", "extra/notes.json"], "pickles and other frameworks' weights skipped");
    let dir = fetch_files(&base, cache.path(), "org/model", "main", &files, false, &|_, _, _| {}).unwrap();
    assert_eq!(dir, cache.path().join("models--org--model/snapshots").join(commit));
    assert_eq!(std::fs::read(dir.join("model.safetensors")).unwrap(), weights);
    assert_eq!(std::fs::read(dir.join("extra/notes.json")).unwrap(), nested, "a nested file links back to its blob");
    assert!(!dir.join("pytorch_model.bin").exists());
    // Offline, the snapshot is found by name without the network.
    let found = resolve_model("org/model", cache.path(), true, &|_, _, _| {}).unwrap();
    assert_eq!(found, dir);
    let e = resolve_model("org/other", cache.path(), true, &|_, _, _| {}).unwrap_err();
    assert!(format!("{e:#}").contains("adaptlab fetch model org/other"), "{e:#}");
    // A gated repository says how to get in.
    let e = list_files(&base, "gated/model", "main").unwrap_err();
    assert!(format!("{e:#}").contains("HF_TOKEN") && format!("{e:#}").contains("gated"), "{e:#}");
}

#[test]
fn sentiment_dksf_parquet_files_are_fetched_and_read() {
    use adaptlab::hub::q4_data::{data_files, fetch_sentiment, sentiment_snapshot, SENTIMENT_REPO};
    use adaptlab::tasks::q4::params::PromptTuningParams;
    let made = tempfile::tempdir().unwrap();
    common::python::run_reference("q4_reference.py", &["sentiment", made.path().to_str().unwrap()]);
    let mut routes = HashMap::new();
    let mut tree = Vec::new();
    for name in ["train-00000-of-00001.parquet", "test-00000-of-00001.parquet"] {
        let body = std::fs::read(made.path().join("data").join(name)).unwrap();
        let sha = hex::encode(Sha256::digest(&body));
        tree.push(serde_json::json!({"type": "file", "path": format!("data/{name}"), "size": body.len(), "oid": "x", "lfs": {"oid": sha, "size": body.len()}}));
        routes.insert(format!("/datasets/{SENTIMENT_REPO}/resolve/main/data/{name}"), body);
    }
    tree.push(serde_json::json!({"type": "file", "path": "README.md", "size": 3, "oid": "y"}));
    tree.push(serde_json::json!({"type": "directory", "path": "data", "oid": "z"}));
    routes.insert(format!("/api/datasets/{SENTIMENT_REPO}/tree/main?recursive=true"), serde_json::Value::Array(tree).to_string().into_bytes());
    let base = serve(Arc::new(Mutex::new(routes)), "unused");
    let root = tempfile::tempdir().unwrap();
    let paths = adaptlab::paths::Paths::under(root.path());
    let snapshot = fetch_sentiment(&base, &paths.hub, "main", &quiet()).unwrap();
    assert_eq!(data_files(&snapshot).len(), 2, "the parquet files, not the README");
    assert_eq!(sentiment_snapshot(&paths.hub), Some(snapshot));
    let p = PromptTuningParams { dataset: "sentiment-dksf".into(), ..Default::default() };
    let data = adaptlab::tasks::q4::sentiment::open(&p, &paths, 1).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (4, 2), "the row without text is skipped");
    assert_eq!(data.labels.len(), 3, "negative, positive and neutral all occur");
    assert!(data.notes.iter().any(|n| n.contains("train-00000-of-00001.parquet: 1 rows skipped (first: row 2")), "{:?}", data.notes);
}

/// Download on first use: a suite naming a hub model not in the cache gets it fetched by
/// the run (progress in the log), unless `--offline`, which leaves the task to say what
/// to fetch; `fetch --suite` lists names and sizes first, then fetches.
#[test]
fn a_suite_fetches_what_it_needs_on_first_use_and_fetch_suite_lists_it() {
    let weights = payload(30_000);
    let config = br#"{"model_type": "gpt2"}"#.to_vec();
    let tree = serde_json::json!([
        {"type": "file", "path": "config.json", "size": config.len(), "oid": "abc"},
        {"type": "file", "path": "model.safetensors", "size": weights.len(), "oid": "def", "lfs": {"oid": hex::encode(Sha256::digest(&weights)), "size": weights.len()}},
    ]);
    let listing = "/api/models/org/model/tree/main?recursive=true".to_string();
    let routes: Routes = Arc::new(Mutex::new(HashMap::from([
        (listing.clone(), tree.to_string().into_bytes()),
        ("/blobs/config.json".to_string(), config),
        ("/blobs/model.safetensors".to_string(), weights.clone()),
    ])));
    let base = serve(routes, "0123456789abcdef0123456789abcdef01234567");
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("q4.yaml");
    std::fs::write(&suite, "name: q4\nexperiments:\n  - id: reason\n    part: q4\n    task: reasoning\n    params: { model: org/model, dataset: demo }\n").unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_adaptlab"))
            .args(args)
            .env("ADAPTLAB_HOME", dir.path().join("home"))
            .env("ADAPTLAB_CACHE", dir.path().join("cache"))
            .env("HF_HUB_CACHE", dir.path().join("hub"))
            .env("HF_ENDPOINT", &base)
            .env_remove("HF_HUB_OFFLINE")
            .output()
            .unwrap();
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let suite_arg = suite.to_str().unwrap();
    // Offline: nothing is downloaded and the task's message names the fetch command.
    let (_, offline) = run(&["run", "--suite", suite_arg, "--offline"]);
    assert!(offline.contains("adaptlab fetch model org/model") && !offline.contains("downloading"), "{offline}");
    assert!(!dir.path().join("hub/models--org--model").exists());
    // The list names it with its size before anything is fetched.
    let (listed, _) = run(&["fetch", "--suite", suite_arg, "--list"]);
    assert!(listed.contains("to fetch") && listed.contains("model org/model") && listed.contains("0.00 GB"), "{listed}");
    assert!(!dir.path().join("hub/models--org--model").exists(), "--list downloads nothing");
    // A run fetches it on first use, with progress in the experiment's log.
    let (_, online) = run(&["run", "--suite", suite_arg]);
    assert!(online.contains("[reason] downloading model org/model (first use") && online.contains("(100%)"), "{online}");
    let snapshot = dir.path().join("hub/models--org--model/snapshots/0123456789abcdef0123456789abcdef01234567");
    assert_eq!(std::fs::read(snapshot.join("model.safetensors")).unwrap(), weights, "checked against its sha256 and kept");
    let (listed, _) = run(&["fetch", "--suite", suite_arg, "--list"]);
    assert!(listed.contains("everything is here") && listed.contains("here"), "{listed}");
}
