#!/usr/bin/env bash
# A sweep through a real SLURM job array, compared with the single-machine experiment.
#
# Installs slurm-wlm + munge if missing (apt-get; needs root), starts munged, slurmctld and
# slurmd on this machine with a generated slurm.conf (or reuses a SLURM that already answers),
# then:
#   1. plans ift-gaussian-2d over sigma = 1, 2, 5 × 4 methods × 4 runs (tiny n and steps),
#      emits the sbatch script, submits it with `sbatch --wait`, merges, and compares
#      curves.csv byte for byte and curves.json number for number (all but the timings) with
#      `measureflow experiment` run on this machine for each sigma;
#   2. resubmits the array: every task must be skipped and no result file rewritten;
#   3. hides two results: merge must fail and name both tasks; puts them back;
#   4. a long task stopped with SIGTERM (scancel) keeps a partial result marked as such;
#   5. a long task killed with SIGKILL leaves no result file and every file is whole JSON.
# Stops the daemons it started, by PID. Exits non-zero, loudly, on any mismatch.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
MF=(node "$ROOT/bin/measureflow.js")
W="$(mktemp -d /tmp/measureflow-slurm.XXXXXX)"
STARTED=()   # "name pid" of the daemons this script started
JOBS=()

fail() { echo "slurm-test: FAIL: $*" >&2; exit 1; }
say() { echo "slurm-test: $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

cleanup() {
  local rc=$?
  for j in "${JOBS[@]}"; do scancel "$j" 2>/dev/null || true; done
  # Stop our daemons in reverse order of start, each by its PID.
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    read -r name pid <<<"${STARTED[$i]}"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
      say "stopped $name (pid $pid)"
    fi
  done
  if [ "$rc" -ne 0 ]; then
    for f in "$W"/slurmctld.log "$W"/slurmd.log; do [ -f "$f" ] && { echo "--- tail of $f"; tail -n 20 "$f"; }; done
    say "work folder kept for inspection: $W"
  else
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT

T0=$(now)
if [ ! -f dist/node/sweep/command.js ] || [ -n "$(find src -newer dist/node/sweep/command.js -name '*.ts' | head -1)" ]; then
  say "building dist/ (npm run build)"
  npm run build --silent
fi

# ---- SLURM: reuse a running one, or install and start our own -------------------------------
if command -v sinfo >/dev/null && sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc'; then
  say "reusing the running SLURM ($(sinfo -h -o '%P %D %T' | head -1))"
else
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    [ "$(id -u)" -eq 0 ] || fail "slurm-wlm and munge are not installed and this is not root (apt-get install -y slurm-wlm munge)"
    say "installing slurm-wlm and munge (apt-get)"
    t=$(now)
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q slurm-wlm munge >"$W/apt.log" 2>&1 || { apt-get update -q >>"$W/apt.log" 2>&1 && apt-get install -y -q slurm-wlm munge >>"$W/apt.log" 2>&1; } || { tail -n 20 "$W/apt.log"; fail "apt-get install slurm-wlm munge failed"; }
    say "installed in $(since "$t")"
  fi
  [ "$(id -u)" -eq 0 ] || fail "starting slurmctld/slurmd as configured here needs root (SlurmUser=root)"
  t=$(now)
  # munge: a key, then the daemon (unless one answers already).
  if ! munge -n </dev/null >/dev/null 2>&1; then
    if [ ! -s /etc/munge/munge.key ]; then
      mkdir -p /etc/munge
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge /var/lib/munge /var/log/munge && chown munge:munge /run/munge /var/lib/munge /var/log/munge
    rm -f /run/munge/munged.pid
    su -s /bin/sh munge -c /usr/sbin/munged
    for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    STARTED+=("munged $(cat /run/munge/munged.pid)")
    munge -n </dev/null >/dev/null || fail "munged does not answer"
  fi
  HOST="$(hostname)"
  NCPU="$(nproc)"
  export SLURM_CONF="$W/slurm.conf"
  mkdir -p "$W/state" "$W/spool"
  cat >"$SLURM_CONF" <<EOF
ClusterName=measureflow-test
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
KillWait=10
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
NodeName=$HOST CPUs=$NCPU State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
  slurmctld -D -i -f "$SLURM_CONF" >>"$W/slurmctld.out" 2>&1 &
  STARTED+=("slurmctld $!")
  slurmd -D -f "$SLURM_CONF" >>"$W/slurmd.out" 2>&1 &
  STARTED+=("slurmd $!")
  ok=0
  for _ in $(seq 150); do
    if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then ok=1; break; fi
    sleep 0.2
  done
  [ "$ok" -eq 1 ] || fail "the SLURM node did not come up ($(sinfo -h -o '%T %E' 2>&1 | head -1))"
  say "started munge + slurmctld + slurmd ($HOST, $NCPU CPUs) in $(since "$t")"
fi

# ---- 1. the sweep through a job array, against the single-machine experiment ----------------
SETTINGS=(--n 16 --steps 60 --runs 4 --test-size 40 --record-every 10)
SIGMAS=(1 2 5)
S="$W/sweep"
t=$(now)
"${MF[@]}" sweep plan ift-gaussian-2d "${SETTINGS[@]}" --grid 'sigma=1,2,5' -o "$S"
"${MF[@]}" sweep emit slurm "$S" --block 4 --max-parallel "$(nproc)"
N=$(wc -l <"$S/tasks.jsonl")
[ "$N" -eq 48 ] || fail "planned $N tasks, expected 3 sigmas x 4 methods x 4 runs = 48"
say "planned and emitted in $(since "$t")"
t=$(now)
out=$(sbatch --parsable --wait "$S/slurm.sh") || fail "sbatch --wait returned non-zero ($out); logs in $S/logs"
JOBS+=("${out%%;*}")
T_ARRAY=$(since "$t")
say "job array ${out%%;*} (12 array tasks of 4 tasks) finished in $T_ARRAY"
"${MF[@]}" sweep status "$S"
"${MF[@]}" sweep status "$S" --json | node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8")); if (s.counts.done!==48) { console.error("not all done:", JSON.stringify(s.counts)); process.exit(1) }' || fail "status after the array"
ls "$S"/logs/*.log >/dev/null || fail "no per-task logs in $S/logs"
nlogs=$(ls "$S"/logs/*.log | wc -l)
[ "$nlogs" -eq 12 ] || fail "$nlogs log files, expected one per array task (12)"

t=$(now)
"${MF[@]}" sweep merge "$S" >"$W/merge.out"
T_MERGE=$(since "$t")
t=$(now)
for s in "${SIGMAS[@]}"; do
  "${MF[@]}" experiment ift-gaussian-2d "${SETTINGS[@]}" --sigma "$s" --workers "$(nproc)" --quiet --out "$W/exp-$s" >/dev/null
done
T_EXP=$(since "$t")
for s in "${SIGMAS[@]}"; do
  cmp "$W/exp-$s/curves.csv" "$S/merged/sigma=$s/curves.csv" || fail "sigma=$s: curves.csv of the sweep differs from the experiment's"
  node -e '
const fs = require("fs");
const strip = (o) => { for (const m of o.methods) for (const r of m.runs) delete r.elapsedMs; return JSON.stringify(o); };
const a = strip(JSON.parse(fs.readFileSync(process.argv[1], "utf8")));
const b = strip(JSON.parse(fs.readFileSync(process.argv[2], "utf8")));
if (a !== b) { console.error("curves.json differ"); process.exit(1); }
' "$W/exp-$s/curves.json" "$S/merged/sigma=$s/curves.json" || fail "sigma=$s: curves.json of the sweep differs from the experiment's"
done
for f in index.html summary.csv final-vs-sigma.svg final-vs-sigma.png; do [ -s "$S/merged/$f" ] || fail "merge wrote no $f"; done
[ "$(wc -l <"$S/merged/summary.csv")" -eq 13 ] || fail "summary.csv should have a header and 3 x 4 rows"
say "merged = experiment: curves.csv byte-identical and curves.json equal (but timings) for sigma = ${SIGMAS[*]}"

# ---- 2. resubmission skips finished tasks ----------------------------------------------------
before=$(cd "$S/results" && stat -c '%n %i %Y' -- * | sort | md5sum)
t=$(now)
out=$(sbatch --parsable --wait "$S/slurm.sh") || fail "resubmission failed"
JOBS+=("${out%%;*}")
T_RESUB=$(since "$t")
after=$(cd "$S/results" && stat -c '%n %i %Y' -- * | sort | md5sum)
[ "$before" = "$after" ] || fail "resubmission rewrote result files"
skipped=$(cat "$S"/logs/"${out%%;*}"_*.log | grep -c 'already done, skipped' || true)
[ "$skipped" -eq 48 ] || fail "resubmission: $skipped tasks reported skipped, expected 48"
say "resubmitted array ${out%%;*}: all 48 tasks skipped, no result rewritten ($T_RESUB)"

# ---- 3. merge with missing tasks says which --------------------------------------------------
mkdir -p "$W/hidden"
mv "$S"/results/000005.* "$S"/results/000030.* "$W/hidden/"
if "${MF[@]}" sweep merge "$S" --out "$W/merged-missing" >"$W/missing.out" 2>&1; then fail "merge succeeded with 2 tasks missing"; fi
grep -q '2 of 48 tasks are not done' "$W/missing.out" || { cat "$W/missing.out"; fail "merge did not count the missing tasks"; }
grep -q '5 (mmd-flow-noise, run 1, sigma=1)' "$W/missing.out" && grep -q '30 (ift, run 3, sigma=2)' "$W/missing.out" || { cat "$W/missing.out"; fail "merge did not name the missing tasks"; }
mv "$W"/hidden/* "$S/results/"
say "merge with 2 results hidden refused and named them: $(head -c 160 "$W/missing.out")…"

# ---- 4 and 5. a long task stopped by SIGTERM, and one killed by SIGKILL ----------------------
L="$W/long"
"${MF[@]}" sweep plan ift-gaussian-2d --n 50 --steps 2000000 --runs 2 --methods mmd-flow --test-size 50 -o "$L" >/dev/null
"${MF[@]}" sweep emit slurm "$L" >/dev/null
jid=$(sbatch --parsable "$L/slurm.sh")
jid="${jid%%;*}"
JOBS+=("$jid")
wait_running() { # $1 = array task id
  for _ in $(seq 300); do
    # "running" is logged when the task's run starts; then let it take a few steps.
    grep -q ': running' "$L/logs/${jid}_$1.log" 2>/dev/null && sleep 2 && return 0
    sleep 0.2
  done
  fail "array task ${jid}_$1 never ran"
}
wait_running 0
scancel --signal=TERM --batch "${jid}_0"
wait_running 1
scancel --signal=KILL --batch "${jid}_1"
for _ in $(seq 300); do [ -z "$(squeue -h -j "$jid" 2>/dev/null)" ] && break; sleep 0.2; done
[ -z "$(squeue -h -j "$jid" 2>/dev/null)" ] || fail "the long job did not end"
p=$(ls "$L"/results/000000.*.partial.json 2>/dev/null || true)
[ -n "$p" ] || { cat "$L"/logs/"${jid}"_0.log; fail "SIGTERM: no partial result for task 0"; }
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const last = r.curve.x[r.curve.x.length - 1];
if (r.status !== "partial" || r.signal !== "SIGTERM" || !(last > 0 && last < 2000000)) { console.error("bad partial result", r.status, r.signal, last); process.exit(1); }
console.log(`slurm-test: SIGTERM: task 0 kept a partial result, stopped at step ${last} of 2000000`);
' "$p" || fail "SIGTERM: partial result"
ls "$L"/results/000000.*[0-9a-f].json >/dev/null 2>&1 && fail "SIGTERM: task 0 has a done result"
ls "$L"/results/000001.* >/dev/null 2>&1 && fail "SIGKILL: task 1 left a result file"
for f in "$L"/results/*.json; do node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$f" || fail "$f is not whole JSON"; done
"${MF[@]}" sweep status "$L" --json | node -e 'const s=JSON.parse(require("fs").readFileSync(0,"utf8")); if (s.partial.join()!=="0" || s.missing.join()!=="1") { console.error(JSON.stringify(s)); process.exit(1) }' || fail "status after SIGTERM/SIGKILL"
say "SIGKILL: task 1 left no result file; status: task 0 partial, task 1 missing"

say "timings: array of 48 tasks $T_ARRAY, resubmission $T_RESUB, merge $T_MERGE, the 3 experiments on this machine $T_EXP; whole test $(since "$T0")"
say "PASS"
