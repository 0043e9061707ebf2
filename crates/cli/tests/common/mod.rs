//! Helpers shared by the command-line tests.

use std::path::Path;
use std::process::Command;

/// Runs `ensemble` with `args`: (exit status, standard output, standard error).
pub fn ensemble(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ensemble"))
        .args(args)
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
