//! The binary as a user runs it: --report into a temp dir, history commands,
//! re-rendering, validation errors, SIGTERM mid-run, and the built-in demo suite.
mod common;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn adaptlab(home: &Path, args: &[&str]) -> Output {
    adaptlab_with(home, args, &[])
}

/// As `adaptlab`, with extra environment variables.
fn adaptlab_with(home: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_adaptlab"));
    cmd.args(args).env("ADAPTLAB_HOME", home).env("ADAPTLAB_CACHE", home.join("cache"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

/// Starts `adaptlab run SUITE` and returns once its stderr shows `marker`, with the
/// rest of stderr still to read.
fn spawn_until(home: &Path, suite: &Path, marker: &str) -> (std::process::Child, std::io::Lines<BufReader<std::process::ChildStderr>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adaptlab"))
        .args(["run", "--suite", suite.to_str().unwrap()])
        .env("ADAPTLAB_HOME", home)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        if line.unwrap().contains(marker) {
            break;
        }
    }
    (child, lines)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

#[test]
fn report_history_rerender_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let suite = dir.path().join("tiny.yaml");
    std::fs::write(&suite, common::tiny_yaml(3, 20)).unwrap();
    let out_dir = dir.path().join("out");

    let run = adaptlab(&home, &["--report", "--suite", suite.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("[smoke] train") && stderr.contains("steps/s"), "plain progress lines: {stderr}");
    assert!(stderr.contains("report: ") && stderr.contains("report.md"));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("| class | images | precision | recall | F1 |") && md.contains("(plots/smoke-train_loss.svg)"), "{md}");
    assert!(out_dir.join("plots/smoke-train_loss.svg").is_file());

    let list = json(&adaptlab(&home, &["runs", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["finished"], 1);
    let first_id = list[0]["run"]["id"].as_str().unwrap().to_string();

    let show = json(&adaptlab(&home, &["runs", "show", "latest", "--json"]));
    assert_eq!(show["experiments"][0]["experiment"]["status"], "finished");
    assert_eq!(show["experiments"][0]["tables"][1]["name"], "per_class");
    let shown = text(&adaptlab(&home, &["runs", "show", &first_id[..12]]).stdout);
    assert!(shown.contains("test_accuracy") && shown.contains("Test metrics per class"), "{shown}");

    let fa_dir = dir.path().join("fa");
    let rerender = adaptlab(&home, &["report", "--run", "latest", "--out", fa_dir.to_str().unwrap(), "--lang", "fa"]);
    assert!(rerender.status.success(), "{}", text(&rerender.stderr));
    let html = std::fs::read_to_string(fa_dir.join("report.html")).unwrap();
    assert!(html.contains("dir=\"rtl\"") && html.contains("<svg"));

    // A second run reuses the unchanged experiment.
    let again = adaptlab(&home, &["run", "--suite", suite.to_str().unwrap()]);
    assert!(text(&again.stderr).contains("result reused"), "{}", text(&again.stderr));
    let list = json(&adaptlab(&home, &["runs", "list", "--json"]));
    let second_id = list[0]["run"]["id"].as_str().unwrap().to_string();
    let diff = json(&adaptlab(&home, &["runs", "diff", &first_id, &second_id, "--json"]));
    assert_eq!(diff["experiments"][0]["same_spec"], true);
    assert_eq!(diff["experiments"][0]["changed_values"].as_array().unwrap().len(), 0, "reused values are identical");
    let table = text(&adaptlab(&home, &["runs", "list"]).stdout);
    assert!(table.contains(&first_id) && table.contains(&second_id));

    let rm = adaptlab(&home, &["runs", "rm", &first_id]);
    assert!(rm.status.success());
    assert_eq!(json(&adaptlab(&home, &["runs", "list", "--json"])).as_array().unwrap().len(), 1);
    let missing = adaptlab(&home, &["runs", "show", &first_id]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("no run"), "{}", text(&missing.stderr));
}

#[test]
fn check_names_the_line_of_a_broken_suite() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "name: b\nexperiments:\n  - id: a\n    part: demo\n    task: smoke\n    params:\n      stepz: 3\n").unwrap();
    let out = adaptlab(dir.path(), &["check", "--suite", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with(&format!("{}:7:7: unknown field `stepz`", broken.display())), "{stderr}");
    assert!(stderr.contains("did you mean `steps`?"));
    // --report refuses to start on a broken suite, and says why.
    let report = adaptlab(dir.path(), &["--report", "--suite", broken.to_str().unwrap()]);
    assert_eq!(report.status.code(), Some(2));
    assert!(text(&report.stderr).contains("nothing was run"));
    for builtin in ["demo", "hw5"] {
        // The positional form of earlier versions still works.
        let ok = adaptlab(dir.path(), &["check", builtin]);
        assert!(ok.status.success(), "{}", text(&ok.stderr));
    }
}

#[test]
fn a_failing_experiment_is_reported_and_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("fails.yaml");
    // A data file that does not exist fails the experiment when it runs.
    let yaml = format!("{}  - id: zs\n    part: q4\n    task: reasoning\n    params: {{ dataset: /nonexistent/questions.jsonl }}\n", common::tiny_yaml(1, 4));
    std::fs::write(&suite, yaml).unwrap();
    let out_dir = dir.path().join("out");
    let out = adaptlab(dir.path(), &["--report", "--suite", suite.to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not finished: zs"));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("**Failed:**") && md.contains("questions.jsonl"), "{md}");
}

#[test]
fn sigterm_cancels_at_the_next_step_and_keeps_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("long.yaml");
    std::fs::write(&suite, common::tiny_yaml(1, 1_000_000)).unwrap();
    let (mut child, lines) = spawn_until(dir.path(), &suite, "[smoke] train");
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    assert!(rest.iter().any(|l| l.contains("[smoke] cancelled")), "{rest:?}");
    let list = json(&adaptlab(dir.path(), &["runs", "list", "--json"]));
    assert_eq!(list[0]["run"]["status"], "cancelled");
}

#[test]
fn the_builtin_demo_suite_runs_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("report");
    let out = adaptlab(dir.path(), &["--report", "--suite", "demo", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("## Pipeline check") && md.contains("| test accuracy |"));
    // Every question of the assignment is answered from this run.
    assert!(!md.contains("Not run yet") && !md.contains("could not be rendered"), "{md}");
    for heading in ["## Question 1", "## Question 2", "## Question 3", "## Question 4", "## Question 5"] {
        assert!(md.contains(heading), "{heading}");
    }
    assert!(md.contains("**Soft prompting.**") && md.contains("Chain of thought"), "Q4's answers are there");
}

#[test]
fn doctor_reports_the_linked_libtorch() {
    let dir = tempfile::tempdir().unwrap();
    let doc = json(&adaptlab(dir.path(), &["doctor", "--json"]));
    assert!(doc["libtorch_version"].as_str().unwrap().starts_with("2.13.0"), "{doc}");
    assert_eq!(doc["home"], dir.path().to_str().unwrap());
    assert!(doc["threads"].as_i64().unwrap() >= 1);
    assert!(doc["assets"].as_array().unwrap().iter().all(|a| a["present"] == false), "nothing downloaded here");
}

#[test]
fn without_a_terminal_the_dashboard_explains_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = adaptlab(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--report"));
}

#[test]
fn a_killed_process_leaves_an_interrupted_run_that_the_next_run_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("two.yaml");
    let yaml = format!("{}  - id: slow\n    part: demo\n    task: smoke\n    params: {{steps: 1000000, train_images: 40, test_images: 10, classes: 2, image_size: 16, width: 2}}\n", common::tiny_yaml(9, 6));
    std::fs::write(&suite, yaml).unwrap();
    let (mut child, _rest) = spawn_until(dir.path(), &suite, "[slow] train");
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let show = json(&adaptlab(dir.path(), &["runs", "show", "latest", "--json"]));
    assert_eq!(show["run"]["status"], "interrupted");
    let statuses: Vec<&str> = show["experiments"].as_array().unwrap().iter().map(|e| e["experiment"]["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["finished", "skipped", "interrupted"]);
    // Resuming: the finished experiment is reused, only the interrupted one would run again.
    let again = adaptlab(dir.path(), &["run", "--suite", suite.to_str().unwrap(), "--only", "smoke"]);
    assert!(text(&again.stderr).contains("[smoke] unchanged since run"), "{}", text(&again.stderr));
}

#[test]
fn missing_weights_say_how_to_get_them() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("q3.yaml");
    std::fs::write(&suite, "name: q3\nexperiments:\n  - id: zs\n    part: q3a\n    task: clip_zero_shot\n    params: { model: \"convnext_base_w:laion2b_s13b_b82k_augreg\", dataset: demo }\n").unwrap();
    // Offline (no download on first use), the task says what to fetch.
    let out = adaptlab_with(dir.path(), &["run", "--suite", suite.to_str().unwrap()], &[("HF_HUB_CACHE", &dir.path().join("hub")), ("HF_HUB_OFFLINE", Path::new("1"))]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("not in the Hugging Face cache") && stderr.contains("adaptlab fetch clip convnext_base_w:laion2b_s13b_b82k_augreg"), "{stderr}");
}

#[test]
fn doctor_finds_weights_in_the_hub_cache() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("hub/models--laion--CLIP-convnext_xxlarge-laion2B-s34B-b82K-augreg-soup/snapshots/0123abcd");
    std::fs::create_dir_all(&snapshot).unwrap();
    std::fs::write(snapshot.join("open_clip_pytorch_model.bin"), b"weights").unwrap();
    let out = adaptlab_with(dir.path(), &["doctor", "--json"], &[("HF_HUB_CACHE", &dir.path().join("hub"))]);
    let doc = json(&out);
    let xxl = doc["assets"].as_array().unwrap().iter().find(|a| a["name"].as_str().unwrap().contains("XXLarge")).unwrap().clone();
    assert_eq!(xxl["present"], true, "{xxl}");
    assert!(xxl["path"].as_str().unwrap().ends_with("open_clip_pytorch_model.bin"));
}

/// Two processes on one store (a second headless run while the first trains, as with the
/// dashboard open beside a headless run): both finish, both runs are recorded, and the
/// database passes SQLite's integrity check.
#[test]
fn two_runs_share_one_store() {
    let dir = tempfile::tempdir().unwrap();
    let (first_suite, second_suite) = (dir.path().join("first.yaml"), dir.path().join("second.yaml"));
    std::fs::write(&first_suite, common::tiny_yaml(21, 400)).unwrap();
    std::fs::write(&second_suite, common::tiny_yaml(22, 40)).unwrap();
    let (mut first, rest) = spawn_until(dir.path(), &first_suite, "[smoke] train");
    let second = adaptlab(dir.path(), &["run", "--suite", second_suite.to_str().unwrap()]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    let rest: Vec<String> = rest.map_while(Result::ok).collect();
    assert!(first.wait().unwrap().success(), "{rest:?}");
    let list = json(&adaptlab(dir.path(), &["runs", "list", "--json"]));
    let statuses: Vec<&str> = list.as_array().unwrap().iter().map(|r| r["run"]["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["finished", "finished"], "{list}");
    let db = rusqlite::Connection::open(dir.path().join("runs.sqlite")).unwrap();
    let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

/// The short pass of scripts/kill9.py: the demo's smoke experiment SIGKILLed at five
/// random moments (a new seed each time, printed), restarted each time, then finished;
/// results equal an uninterrupted run's, the store passes integrity_check, and no
/// temporary file is left. `python3 scripts/kill9.py` is the full 20-kill demo run.
#[test]
fn kill_9_at_random_moments_loses_nothing() {
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 100_000;
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(common::python::interpreter())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kill9.py"))
        .args(["--bin", env!("CARGO_BIN_EXE_adaptlab"), "--only", "demo.smoke", "--kills", "5", "--seed", &seed.to_string()])
        .arg("--work")
        .arg(work.path())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(out.status.success() && stdout.contains("\nPASS"), "seed {seed}:\n{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("5 kills") && stdout.contains("integrity_check: ok; temporary files left: 0"), "{stdout}");
}

/// Read-only and full file systems (tmpfs mounts in a user namespace, so no privileges
/// are needed): a read-only or full ADAPTLAB_HOME, ADAPTLAB_CACHE or `--out` is refused
/// before anything runs, naming the folder and what moves it; an `--out` that fills up
/// while the run trains leaves the run finished in the store, and the report is
/// rendered later with `adaptlab report`.
#[test]
fn read_only_and_full_disks_are_named_and_lose_nothing() {
    let probe = Command::new("unshare").args(["-r", "-m", "true"]).status();
    assert!(
        probe.is_ok_and(|s| s.success()),
        "this test mounts small file systems with `unshare -r -m` (util-linux, unprivileged user namespaces); install util-linux or enable user namespaces"
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let script = root.join("faults.sh");
    let bin = env!("CARGO_BIN_EXE_adaptlab");
    std::fs::write(
        &script,
        format!(
            r#"set -u
R={root}; B={bin}
mkdir -p $R/ro $R/full $R/out $R/home $R/cache
mount -t tmpfs -o size=4m,ro tmpfs $R/ro
mount -t tmpfs -o size=1m tmpfs $R/full
dd if=/dev/zero of=$R/full/filler bs=64k 2>/dev/null
mount -t tmpfs -o size=2m tmpfs $R/out
export HF_HUB_CACHE=$R/hub
ADAPTLAB_HOME=$R/ro ADAPTLAB_CACHE=$R/cache $B run --suite demo --only demo.smoke > $R/ro-home.log 2>&1; echo $? >> $R/ro-home.log
ADAPTLAB_HOME=$R/home ADAPTLAB_CACHE=$R/full $B run --suite demo --only demo.smoke > $R/full-cache.log 2>&1; echo $? >> $R/full-cache.log
ADAPTLAB_HOME=$R/home ADAPTLAB_CACHE=$R/cache $B --report --suite demo --only demo.smoke --out $R/ro > $R/ro-out.log 2>&1; echo $? >> $R/ro-out.log
export ADAPTLAB_HOME=$R/home ADAPTLAB_CACHE=$R/cache
$B --report --suite demo --only demo.smoke --out $R/out > $R/fills.log 2>&1 &
pid=$!
until grep -q "\[demo.smoke\] train" $R/fills.log 2>/dev/null; do sleep 0.1; kill -0 $pid 2>/dev/null || break; done
dd if=/dev/zero of=$R/out/filler bs=64k 2>/dev/null
wait $pid; echo $? >> $R/fills.log
rm $R/out/filler
$B report --run latest --out $R/out > $R/later.log 2>&1; echo $? >> $R/later.log
ls $R/out > $R/out.txt
"#,
            root = root.display()
        ),
    )
    .unwrap();
    let status = Command::new("unshare").args(["-r", "-m", "sh"]).arg(&script).status().unwrap();
    assert!(status.success());
    let log = |name: &str| std::fs::read_to_string(root.join(name)).unwrap();
    let exit = |text: &str| text.lines().last().unwrap_or("").trim().to_string();
    let ro_home = log("ro-home.log");
    assert!(ro_home.contains(&format!("cannot write in {}/ro (Read-only file system", root.display())) && ro_home.contains("ADAPTLAB_HOME"), "{ro_home}");
    assert_eq!(exit(&ro_home), "1");
    let full_cache = log("full-cache.log");
    assert!(full_cache.contains(&format!("cannot write in {}/full (No space left on device", root.display())) && full_cache.contains("ADAPTLAB_CACHE"), "{full_cache}");
    assert_eq!(exit(&full_cache), "1");
    let ro_out = log("ro-out.log");
    assert!(ro_out.contains("Read-only file system") && ro_out.contains("--out") && !ro_out.contains("[demo.smoke] started"), "refused before running: {ro_out}");
    // The disk filled while training: the report could not be written, the run could.
    let fills = log("fills.log");
    assert!(fills.contains("all experiments finished") && fills.contains("No space left on device") && fills.contains(&format!("{}/out", root.display())), "{fills}");
    assert_eq!(exit(&fills), "1");
    let later = log("later.log");
    assert_eq!(exit(&later), "0", "{later}");
    assert!(log("out.txt").contains("report.md"), "the report written later: {}", log("out.txt"));
    let store = rusqlite::Connection::open(root.join("home/runs.sqlite")).unwrap();
    let integrity: String = store.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}
