//! Helpers shared by the command-line tests.

use std::path::{Path, PathBuf};

/// An empty folder for one test's files, under the target's temporary folder: `group/name`.
#[allow(dead_code, reason = "not every test file writes files")]
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the built `fourc` with `args`, in the package folder.
#[allow(dead_code, reason = "not every test file runs the command")]
pub fn fourc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fourc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

/// A run's standard output, as text.
#[allow(dead_code, reason = "not every test file runs the command")]
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A run's standard error, as text.
#[allow(dead_code, reason = "not every test file runs the command")]
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
