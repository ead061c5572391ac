//! Helpers shared by the command-line tests.

use std::path::{Path, PathBuf};

/// An empty folder for one test's files, under the target's temporary folder: `group/name`.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A command's standard output, as text.
#[allow(dead_code, reason = "not every test binary reads it")]
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A command's standard error, as text.
#[allow(dead_code, reason = "not every test binary reads it")]
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
