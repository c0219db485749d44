//! Runs the built `logkeep parse` on files and stdin.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn logkeep() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_logkeep"));
    command.env("LOGKEEP_LOG", "info");
    command
}

fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("logkeep-parse-cli-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let path = directory.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = logkeep()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn events(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[test]
fn stdin_lines_become_ndjson() {
    let input = b"<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - hi\r\n\
                  <13>Dec 31 23:59:00 host app[7]: late\n\
                  \n\
                  not syslog at all\n";
    let args = ["parse", "--received-at", "2025-01-01T00:10:00Z"];
    let output = run_with_stdin(&args, input);
    assert!(output.status.success());
    let events = events(&output);
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["format"], "rfc5424");
    assert_eq!(events[0]["facility"], "auth");
    assert_eq!(events[0]["message"], "hi");
    assert_eq!(events[1]["timestamp"], "2024-12-31T23:59:00Z");
    assert_eq!(events[1]["procid"], "7");
    assert_eq!(events[2]["format"], "unparsed");
    assert!(events[2]["parse_error"].is_string());
}

#[test]
fn default_offset_applies_to_rfc3164() {
    let args = [
        "parse",
        "--received-at",
        "2024-06-20T00:00:00Z",
        "--default-offset",
        "-05:00",
    ];
    let output = run_with_stdin(&args, b"<13>Jun 15 02:35:28 host app: x\n");
    let events = events(&output);
    assert_eq!(events[0]["timestamp"], "2024-06-15T02:35:28-05:00");
}

#[test]
fn files_are_read_in_order() {
    let first = temp_file("first.log", b"<13>1 - a - - - - one\n");
    let second = temp_file("second.log", b"<13>1 - b - - - - two");
    let output = logkeep()
        .args(["parse"])
        .arg(&first)
        .arg(&second)
        .output()
        .unwrap();
    assert!(output.status.success());
    let events = events(&output);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["hostname"], "a");
    assert_eq!(events[1]["hostname"], "b");
}

#[test]
fn unreadable_path_fails_and_names_it() {
    let good = temp_file("good.log", b"<13>1 - a - - - - one\n");
    let missing = std::env::temp_dir().join("logkeep-no-such-dir/missing.log");
    let output = logkeep()
        .args(["parse"])
        .arg(&missing)
        .arg(&good)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("missing.log"), "stderr: {stderr}");
    assert_eq!(
        events(&output).len(),
        1,
        "the readable file is still parsed"
    );
}

#[test]
fn octet_counting_frames() {
    let stream = "16 <1>1 - - - - - -23 <1>1 - - - - - - hellø\n25 <3>1 - host.local - - - -";
    let output = run_with_stdin(&["parse", "--framing", "octet-counting"], stream.as_bytes());
    assert!(output.status.success());
    let events = events(&output);
    assert_eq!(events.len(), 3);
    assert_eq!(events[1]["message"], "hellø");
    assert_eq!(events[2]["hostname"], "host.local");
}

#[test]
fn octet_counting_bad_length_reports_rest() {
    let stream = b"16 <1>1 - - - - - -xaaa";
    let output = run_with_stdin(&["parse", "--framing", "octet-counting"], stream);
    assert!(!output.status.success());
    let events = events(&output);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1]["message"], "xaaa");
    let error = events[1]["parse_error"].as_str().unwrap();
    assert!(error.contains("octet count"), "{error}");
}

#[test]
fn octet_counting_truncated_frame() {
    let output = run_with_stdin(
        &["parse", "--framing", "octet-counting"],
        b"40 <1>1 - - - - - - short",
    );
    assert!(!output.status.success());
    let events = events(&output);
    assert_eq!(events.len(), 1);
    assert!(
        events[0]["parse_error"]
            .as_str()
            .unwrap()
            .contains("truncated")
    );
}

#[test]
fn invalid_received_at_is_a_usage_error() {
    let output = run_with_stdin(&["parse", "--received-at", "yesterday"], b"");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("yesterday"), "stderr: {stderr}");
}

#[test]
fn non_utf8_bytes_do_not_fail_the_run() {
    let output = run_with_stdin(&["parse"], b"<13>1 - - - - - - caf\xE9\n\xFF\xFE\n");
    assert!(output.status.success());
    let events = events(&output);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["message"], "caf\u{FFFD}");
    assert_eq!(events[1]["format"], "unparsed");
}
