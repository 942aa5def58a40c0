#!/usr/bin/env bash
# Load test of a headless quizcast host with `quizcast swarm`, both on this machine.
#
# Each run starts a host on 127.0.0.1 with --auto-start N and runs N swarm players through a
# 3-question game. It samples the host's resident memory before any player and again once N
# WebSocket connections are open. When the host has exited, it prints one line of figures.
# After the repetitions it prints the median of each column.
#
# Usage: benches/swarm.sh [--players N] [--answers SPEC] [--answer-within-ms MS] [--reps N]
#                         [--ramp-ms MS] [--join-rate N] [--time-limit SECS] [--out DIR]
#                         [--scrape-ms MS] [--binary PATH] [--no-wait-idle] [--no-build]
# The same settings can come from the environment: PLAYERS, ANSWERS, ANSWER_WITHIN_MS, REPS,
# RAMP_MS, JOIN_RATE, TIME_LIMIT, OUT_DIR, SCRAPE_MS, QUIZCAST_BIN, WAIT_IDLE=0, NO_BUILD=1.
# Each run first waits until the CPUs are idle, unless --no-wait-idle. --binary runs
# a quizcast built elsewhere (for example from another commit) and skips the build.
#
# Needs bash, curl and jq; /usr/bin/time (GNU time) adds CPU seconds and max RSS per process.

set -euo pipefail

players=${PLAYERS:-10000}
answers=${ANSWERS:-first}
answer_within_ms=${ANSWER_WITHIN_MS:-0}
reps=${REPS:-3}
ramp_ms=${RAMP_MS:-1000}
join_rate=${JOIN_RATE:-2000}
time_limit=${TIME_LIMIT:-10}
out_dir=${OUT_DIR:-}
no_build=${NO_BUILD:-0}
scrape_ms=${SCRAPE_MS:-0}
binary=${QUIZCAST_BIN:-}
wait_idle=${WAIT_IDLE:-1}

usage() {
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --players) players=$2; shift 2 ;;
        --answers) answers=$2; shift 2 ;;
        --answer-within-ms) answer_within_ms=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --ramp-ms) ramp_ms=$2; shift 2 ;;
        --join-rate) join_rate=$2; shift 2 ;;
        --time-limit) time_limit=$2; shift 2 ;;
        --out) out_dir=$2; shift 2 ;;
        --scrape-ms) scrape_ms=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --no-wait-idle) wait_idle=0; shift ;;
        --no-build) no_build=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "swarm.sh: unknown option $1; see --help" >&2; exit 2 ;;
    esac
done

for tool in curl jq; do
    if ! command -v "$tool" >/dev/null; then
        echo "swarm.sh: $tool is missing; install it (apt-get install $tool)" >&2
        exit 2
    fi
done
time_tool=()
if [[ -x /usr/bin/time ]]; then
    time_tool=(/usr/bin/time -v -o)
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n $binary ]]; then
    no_build=1
else
    binary=${CARGO_TARGET_DIR:-$repo/target}/release/quizcast
fi

work=$(mktemp -d -t quizcast-swarm.XXXXXX)
out_dir=${out_dir:-$(mktemp -d -t quizcast-swarm-results.XXXXXX)}
mkdir -p "$out_dir"

# PIDs of the current run's background processes, killed on exit. GNU time does not pass
# SIGTERM on to the program it measures, so the list contains both.
background=()
cleanup() {
    for pid in "${background[@]}"; do
        [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
    "kernel $(uname -r), memory $(free -h | awk '/^Mem:/ {print $2}')," \
    "open files soft/hard $(ulimit -Sn)/$(ulimit -Hn)"
head=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$repo" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null) ]]; then
    head="$head with uncommitted changes in src/ or Cargo files"
fi
if [[ $no_build == 1 ]]; then
    head="$head (not rebuilt: $binary may be built from other sources)"
fi
echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $head"
echo "# players=$players ramp_ms=$ramp_ms join_rate=$join_rate answers=$answers" \
    "answer_within_ms=$answer_within_ms time_limit=${time_limit}s reps=$reps out=$out_dir"

if [[ $no_build != 1 ]]; then
    echo "# building $binary" >&2
    (cd "$repo" && cargo build --release --quiet --bin quizcast)
fi
if [[ ! -x $binary ]]; then
    echo "swarm.sh: $binary is missing; run without --no-build" >&2
    exit 2
fi

bank=$work/bank.toml
cat >"$bank" <<EOF
title = "Swarm benchmark"
time_limit = $time_limit
points = 1000

[[questions]]
text = "Which protocol upgrades an HTTP connection to a full-duplex channel?"
options = ["WebSocket", "FTP", "SMTP", "DNS"]
correct = 1

[[questions]]
text = "Which system call waits for events on many file descriptors on Linux?"
options = ["epoll_wait", "fork", "mmap", "chdir"]
correct = 1

[[questions]]
text = "Which transport does HTTP/3 run on?"
options = ["QUIC", "SCTP", "DCCP", "TCP"]
correct = 1
EOF

# Prints the busy and total jiffies of all CPUs from /proc/stat.
cpu_jiffies() {
    awk '/^cpu / {total = 0; for (i = 2; i <= 9; i++) total += $i; print total - $5 - $6, total}' /proc/stat
}

# Waits until the CPUs are less than 15% busy over 3 s, at most 3 minutes, because another
# program's load on the 2 cores shows up as latency here.
wait_until_idle() {
    local busy0 total0 busy1 total1 percent
    for _ in $(seq 60); do
        read -r busy0 total0 < <(cpu_jiffies)
        sleep 3
        read -r busy1 total1 < <(cpu_jiffies)
        percent=$(( (busy1 - busy0) * 100 / (total1 - total0 > 0 ? total1 - total0 : 1) ))
        [[ $percent -lt 15 ]] && return
        echo "# waiting for the machine to be idle: ${percent}% busy" >&2
    done
    echo "# the machine stayed busy; running anyway" >&2
}

# Prints the VmRSS of process $1 in KiB.
rss_kib() {
    awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# Prints the value of metric $2 from the metrics text in file $1.
metric() {
    awk -v name="quizcast_$2" '$1 == name {print $2}' "$1"
}

# Prints the PID of the only child of $1, waiting for it to appear, or $1 itself when
# /usr/bin/time is not used.
child_of() {
    if [[ ${#time_tool[@]} -eq 0 ]]; then
        echo "$1"
        return
    fi
    local child=""
    for _ in $(seq 100); do
        child=$(cat "/proc/$1/task/$1/children" 2>/dev/null | awk '{print $1}')
        [[ -n $child ]] && break
        sleep 0.01
    done
    echo "$child"
}

# Prints "user seconds, system seconds, max RSS MiB" from a GNU time -v report.
time_summary() {
    [[ -s $1 ]] || { echo "- - -"; return; }
    awk -F': ' '
        /User time/ {user = $2}
        /System time/ {sys = $2}
        /Maximum resident set size/ {rss = $2}
        END {printf "%.1f %.1f %.0f\n", user, sys, rss / 1024}' "$1"
}

columns="run players joined finished gave_up failed join_ms http_429 \
deliv_p50 deliv_p90 deliv_p99 deliv_max ack_p99 result_p99 result_max lost out_of_order \
host_results slow_dropped queue_max rss_base_kib rss_n_kib kib_per_player \
host_user_s host_sys_s host_maxrss_mib swarm_user_s swarm_sys_s swarm_maxrss_mib other_cpu_s host_warn"
summary=$out_dir/runs.tsv
echo "$columns" | tr -s ' ' '\t' >"$summary"
printf '%s\n' "$columns" | tr -s ' ' ' '

for run in $(seq "$reps"); do
    prefix=$out_dir/run$run
    host_out=$prefix.host.jsonl
    host_err=$prefix.host.stderr
    swarm_out=$prefix.swarm.json
    swarm_err=$prefix.swarm.stderr
    metrics_log=$prefix.metrics
    : >"$metrics_log"
    if [[ $wait_idle == 1 ]]; then
        wait_until_idle
    fi
    read -r run_busy0 _ < <(cpu_jiffies)

    # Every swarm player connects from 127.0.0.1, so the per-address connection limit must
    # cover all of them.
    host_args=(host --headless --bind 127.0.0.1:0 --auto-start "$players" --auto-advance 2
        --questions "$bank" --join-rate "$join_rate" --max-connections-per-ip "$players")
    if [[ ${#time_tool[@]} -gt 0 ]]; then
        "${time_tool[@]}" "$prefix.host.time" "$binary" "${host_args[@]}" \
            >"$host_out" 2>"$host_err" &
    else
        "$binary" "${host_args[@]}" >"$host_out" 2>"$host_err" &
    fi
    host_wrapper=$!
    background=("$host_wrapper")
    host_pid=$(child_of "$host_wrapper")
    background+=("$host_pid")

    # The first stdout line is the `listening` event with the join URL.
    join_url=""
    for _ in $(seq 500); do
        join_url=$(head -1 "$host_out" 2>/dev/null | jq -r 'select(.event == "listening") | .join_url' 2>/dev/null || true)
        [[ -n $join_url ]] && break
        kill -0 "$host_wrapper" 2>/dev/null || break
        sleep 0.01
    done
    if [[ -z $join_url ]]; then
        echo "swarm.sh: the host printed no listening line; its stderr:" >&2
        cat "$host_err" >&2
        exit 1
    fi
    base_url=${join_url%%/join/*}
    rss_base=$(rss_kib "$host_pid")

    swarm_args=(swarm "$join_url" --players "$players" --ramp-ms "$ramp_ms" --json
        --answers "$answers" --answer-within-ms "$answer_within_ms")
    if [[ ${#time_tool[@]} -gt 0 ]]; then
        "${time_tool[@]}" "$prefix.swarm.time" "$binary" "${swarm_args[@]}" \
            >"$swarm_out" 2>"$swarm_err" &
    else
        "$binary" "${swarm_args[@]}" >"$swarm_out" 2>"$swarm_err" &
    fi
    swarm_wrapper=$!
    background+=("$swarm_wrapper")
    swarm_pid=$(child_of "$swarm_wrapper")
    background+=("$swarm_pid")
    echo "# run $run: host PID $host_pid, swarm PID $swarm_pid" >&2

    # Poll the metrics every 0.1 s until all players are connected, then sample the host's memory. The
    # host starts the first question at that moment, so the sample is taken in the lobby or
    # at the start of the first question.
    rss_n=""
    scrape=$work/metrics.txt
    while kill -0 "$swarm_wrapper" 2>/dev/null; do
        if curl -sf --max-time 2 "$base_url/api/metrics" -o "$scrape"; then
            connections=$(metric "$scrape" connections)
            if [[ ${connections:-0} -ge $players ]]; then
                rss_n=$(rss_kib "$host_pid")
                break
            fi
        fi
        sleep 0.1
    done

    # With --scrape-ms, scrape the metrics during the game for the slow-consumer counter and the
    # fullest outbound queue. It is off by default because a scrape at 10,000 players costs the
    # host several ms of CPU with the hub locked, which would show up in the latencies measured.
    if [[ $scrape_ms -gt 0 ]]; then
        scrape_interval=$(awk -v ms="$scrape_ms" 'BEGIN {printf "%.3f", ms / 1000}')
        while kill -0 "$swarm_wrapper" 2>/dev/null; do
            if curl -sf --max-time 2 "$base_url/api/metrics" -o "$scrape"; then
                echo "$(metric "$scrape" slow_consumers_dropped_total) $(metric "$scrape" outbound_queue_max)" >>"$metrics_log"
            fi
            sleep "$scrape_interval"
        done
    fi
    swarm_status=0
    wait "$swarm_wrapper" || swarm_status=$?
    # The host exits after game over; give it 30 s, then stop it and report that.
    for _ in $(seq 300); do
        kill -0 "$host_wrapper" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$host_wrapper" 2>/dev/null; then
        echo "# run $run: the host was still running 30 s after the swarm ended; stopping it" >&2
        kill "$host_pid" 2>/dev/null || true
    fi
    host_status=0
    wait "$host_wrapper" || host_status=$?
    read -r run_busy1 _ < <(cpu_jiffies)
    background=()
    if [[ $swarm_status -ne 0 ]]; then
        echo "# run $run: swarm exited $swarm_status: $(tail -1 "$swarm_err")" >&2
    fi
    if [[ $host_status -ne 0 ]]; then
        echo "# run $run: host exited $host_status: $(tail -1 "$host_err")" >&2
    fi
    if [[ ! -s $swarm_out ]]; then
        echo "# run $run: the swarm printed no report; its stderr ends with:" >&2
        tail -5 "$swarm_err" >&2
        continue
    fi

    host_results=$(jq -r 'select(.event == "game_over") | .results | length' "$host_out" | tail -1)
    slow_dropped=- queue_max=-
    if [[ -s $metrics_log ]]; then
        read -r slow_dropped queue_max < <(awk '{if ($1 > d) d = $1; if ($2 > q) q = $2} END {print d + 0, q + 0}' "$metrics_log")
    fi
    if [[ -n $rss_n ]]; then
        kib_per_player=$(awk -v a="$rss_base" -v b="$rss_n" -v n="$players" 'BEGIN {printf "%.1f", (b - a) / n}')
    else
        rss_n=-
        kib_per_player=-
    fi
    read -r host_user host_sys host_maxrss < <(time_summary "$prefix.host.time")
    read -r swarm_user swarm_sys swarm_maxrss < <(time_summary "$prefix.swarm.time")
    # CPU seconds that neither the host nor the swarm used during the run: other programs, this
    # script, and softirq time the kernel charged to no process. Large values mark a noisy run.
    other_cpu=$(awk -v b0="$run_busy0" -v b1="$run_busy1" -v hz="$(getconf CLK_TCK)" \
        -v used="$host_user $host_sys $swarm_user $swarm_sys" \
        'BEGIN {split(used, u, " "); printf "%.1f", (b1 - b0) / hz - u[1] - u[2] - u[3] - u[4]}')
    host_warn=$(grep -cE ' (WARN|ERROR) ' "$host_err" || true)

    swarm_fields=$(jq -r '[.players, .joined, .finished, .gave_up, .failed, .join_ms, .http_429,
        .delivery_ms.p50, .delivery_ms.p90, .delivery_ms.p99, .delivery_ms.max, .ack_ms.p99,
        .result_ms.p99, .result_ms.max, .lost, .out_of_order] | map(tostring) | join(" ")' "$swarm_out")
    line="$run $swarm_fields ${host_results:--} $slow_dropped $queue_max $rss_base $rss_n \
$kib_per_player $host_user $host_sys $host_maxrss $swarm_user $swarm_sys $swarm_maxrss $other_cpu $host_warn"
    line=$(echo "$line" | tr -s ' ')
    echo "$line"
    echo "$line" | tr ' ' '\t' >>"$summary"
    errors=$(jq -r '.errors | to_entries[] | "\(.value)x \(.key)"' "$swarm_out")
    if [[ -n $errors ]]; then
        echo "# run $run swarm errors:"
        echo "$errors" | sed 's/^/#   /'
    fi
done

# The median of each numeric column over the runs (the lower middle value for an even count).
awk -F'\t' '
    NR == 1 {for (i = 1; i <= NF; i++) name[i] = $i; n = NF; next}
    {rows++; for (i = 1; i <= NF; i++) value[i, rows] = $i}
    END {
        if (rows == 0) exit
        line = "median"
        for (i = 2; i <= n; i++) {
            count = 0
            for (r = 1; r <= rows; r++) if (value[i, r] ~ /^[0-9.]+$/) v[++count] = value[i, r] + 0
            if (count == 0) {line = line " -"; continue}
            for (a = 1; a <= count; a++) for (b = a + 1; b <= count; b++)
                if (v[b] < v[a]) {t = v[a]; v[a] = v[b]; v[b] = t}
            line = line " " v[int((count + 1) / 2)]
        }
        print line
    }' "$summary"
