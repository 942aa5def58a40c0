//! Replays the fuzz targets' seeds and every saved crash input through the same checks the fuzz
//! targets run, so a fixed crash stays fixed without cargo-fuzz installed.

#[path = "../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

/// Runs `check` on every file in `dir`; returns how many there were.
fn replay(dir: &Path, check: checks::Check) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut replayed = 0;
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        let data = std::fs::read(&path).expect("a readable input file");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "input {} fails its check", path.display());
        replayed += 1;
    }
    replayed
}

#[test]
fn seeds_and_crashes_pass_checks() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (target, check) in checks::TARGETS {
        let seeds = replay(&fuzz.join("seeds").join(target), *check);
        assert!(seeds > 0, "no seeds for fuzz target {target}");
        replay(&fuzz.join("regressions").join(target), *check);
    }
}
