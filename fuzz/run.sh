#!/usr/bin/env bash
# Runs each fuzz target for a bounded time and prints one result line per target.
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  time per target (default 60)
#   TARGET   targets to run (default: every target cargo fuzz lists)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler for libFuzzer. Targets are
# built without a sanitizer (`-s none`): quizcast and its parsers are safe Rust, where a bug
# shows as a panic, an overflow (debug assertions are on) or a stack overflow, all of which
# libFuzzer catches. That also keeps the build on a stable toolchain, because the default
# address sanitizer needs the nightly-only `-Zsanitizer` flag.
#
# New inputs go to fuzz/corpus/TARGET (not committed); the committed seeds are in
# fuzz/seeds/TARGET. A crash leaves its input under fuzz/artifacts/TARGET; copy it to
# fuzz/regressions/TARGET/ so that `cargo test --test fuzz_regressions` replays it.

set -uo pipefail

cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

failed=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "seeds/$target"
    log="corpus/$target.log"
    started=$(date +%s)
    # -max_len fits the host's default WebSocket message limit of 16 KiB, so deep nesting and
    # long strings are tried; -timeout flags a single input that takes over 10 s.
    cargo fuzz run -s none "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1
    status=$?
    took=$(($(date +%s) - started))
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
    if [[ $status -eq 0 ]]; then
        echo "ok    $target: ${runs:-?} inputs in ${took} s"
    else
        failed=1
        artifact=$(grep -o 'artifacts/[^ ]*' "$log" | tail -1)
        echo "FAIL  $target after ${took} s: crash input ${artifact:-unknown}; log in fuzz/$log"
    fi
done
exit $failed
