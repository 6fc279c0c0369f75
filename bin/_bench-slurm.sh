#!/usr/bin/env bash
# Run by `bin/bench slurm [--jobs N] [--keep]` (not on its own): the grid's client commands against
# Slurm's on this machine, as a user types them.
#
#   1. N (default 100) `bin/submit -- true` in a shell loop, then waits until every job ended,
#      against N `sbatch --wrap true` in a loop until `squeue` is empty;
#   2. one `bin/submit --wait -- true` against one `sbatch --wait --wrap true`.
#
# Each side is timed with the wall clock around the commands, polling included: the grid's end is
# seen with `bin/jobs`, Slurm's with `squeue` (a few ms), so the grid's figure carries up to one
# poll more. No target: the figures say where each command's time goes. The client commands run
# as a user's do: through the resident client, which the untimed submits start (in a folder of
# this run's, stopped at the end); GRID_CLIENT_DAEMON=0 bin/bench slurm times a JVM per command.
#
# What it starts, all on loopback, and stops at the end, pass or fail: a three-node grid (4 slots
# each) from the built jar, and a one-node Slurm (slurmctld and slurmd as root, 22.05 from Debian,
# config in a temporary directory, 12 CPUs declared: as many as the grid's slots), with munged if none runs. Slurm
# needs root: as root it installs Debian's slurm-wlm and munge when missing (apt-get); otherwise
# it stops with what to install.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
JOBS=100
KEEP=0
while (($#)); do
  case "$1" in
    --jobs) JOBS="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: bench slurm: unknown option $1 (use --jobs N, --keep)" >&2; exit 2 ;;
  esac
done
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "error: --jobs $JOBS must be a positive number" >&2; exit 2; }

if [[ $(id -u) -ne 0 ]]; then
  echo "error: bench slurm runs slurmd, which needs root; run it as root" >&2
  exit 1
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "installing Debian's slurm-wlm and munge (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends slurm-wlm munge >/dev/null; }
fi

WORK="$(mktemp -d /tmp/grid-bench-slurm-XXXXXX)"
export GRID_CLIENT_DIR="$WORK/client"
NODE_PIDS=()
STARTED_MUNGE=0
OK=0
cleanup() {
  set +e
  "$ROOT/bin/grid-client" stop >/dev/null 2>&1
  for pid in "${NODE_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for f in slurmd slurmctld; do
    [[ -f "$WORK/$f.pid" ]] && kill "$(cat "$WORK/$f.pid")" 2>/dev/null
  done
  ((STARTED_MUNGE)) && kill "$(cat /run/munge/munged.pid)" 2>/dev/null
  for pid in "${NODE_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null
  done
  sleep 1
  if ((OK && !KEEP)); then rm -rf "$WORK"; else echo "logs kept in $WORK" >&2; fi
}
trap cleanup EXIT

free_port() { # a loopback port nothing listens on
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# --- munge and Slurm ---
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  runuser -u munge -- /usr/sbin/munged 2>>"$WORK/munged.log" \
    || { echo "error: munged did not start: see $WORK/munged.log" >&2; exit 1; }
  STARTED_MUNGE=1
fi
HOST="$(hostname -s)"
# As many CPUs as the grid's slots (3 nodes x 4), whatever the machine has (config_overrides lets
# slurmd take that): both sides may then run 12 jobs at once on the same cores.
SLOTS=12
mkdir -p "$WORK/state" "$WORK/spool"
export SLURM_CONF="$WORK/slurm.conf"
cat >"$SLURM_CONF" <<CONF
ClusterName=gridbench
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$HOST CPUs=$SLOTS State=UNKNOWN
PartitionName=bench Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF" \
  || { echo "error: Slurm did not start: see $WORK/slurmctld.log and slurmd.log" >&2; exit 1; }
for _ in $(seq 150); do
  [[ "$(sinfo -h -o %t 2>/dev/null)" == idle ]] && break
  sleep 0.2
done
[[ "$(sinfo -h -o %t 2>/dev/null)" == idle ]] \
  || { echo "error: Slurm's node is not idle after 30 s: see $WORK/slurmd.log" >&2; exit 1; }
echo "slurm: $(sinfo -V), one node $HOST with $SLOTS CPUs (this machine has $(nproc)), up" >&2

# --- the grid ---
(umask 077
  head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/cluster-secret")
PORTS=() HTTP=() MEMBERS="" URLS=""
for i in 1 2 3; do
  PORTS+=("$(free_port)"); HTTP+=("$(free_port)")
  MEMBERS+="${MEMBERS:+,}127.0.0.1:${PORTS[-1]}"; URLS+="${URLS:+,}http://127.0.0.1:${HTTP[-1]}"
done
for i in 0 1 2; do
  "$ROOT/bin/grid-node" --name "n$((i + 1))" --port "${PORTS[$i]}" --http-port "${HTTP[$i]}" \
    --members "$MEMBERS" --data-dir "$WORK/n$((i + 1))" --token-file "$WORK/token" \
    --secret-file "$WORK/cluster-secret" --slots 4 --join-timeout 1s >"$WORK/n$((i + 1)).log" 2>&1 &
  NODE_PIDS+=("$!")
done
export GRID_URL="$URLS" GRID_TOKEN="$(cat "$WORK/token")"
for _ in $(seq 60); do
  [[ "$("$ROOT/bin/nodes" --json 2>/dev/null | grep -o '"primary" *: *true' | wc -l)" == 1 \
    && "$("$ROOT/bin/nodes" --json 2>/dev/null | grep -o '"name"' | wc -l)" == 3 ]] && break
  sleep 1
done
"$ROOT/bin/nodes" >&2 || { echo "error: the grid did not come up: see $WORK/n*.log" >&2; exit 1; }

grid_pending() { # how many jobs have not ended yet: the STATE column of one `bin/jobs`
  "$ROOT/bin/jobs" | awk 'NR > 1 && $2 ~ /^(WAITING|QUEUED|DISPATCHED|RUNNING)$/ { n++ } END { print n + 0 }'
}

# warm-up: a few of each, untimed
for _ in 1 2 3 4 5; do "$ROOT/bin/submit" -- true >/dev/null; sbatch -Q -o /dev/null --wrap true; done
while [[ "$(grid_pending)" != 0 || -n "$(squeue -h)" ]]; do sleep 0.2; done
# the first submit started the resident client once it ended; wait until it serves
[[ ${GRID_CLIENT_DAEMON:-1} == 0 ]] || "$ROOT/bin/grid-client" start >/dev/null

start=$(date +%s%N)
for _ in $(seq "$JOBS"); do "$ROOT/bin/submit" -- true >/dev/null; done
grid_submits=$(ms_since "$start")
while [[ "$(grid_pending)" != 0 ]]; do :; done
grid_all=$(ms_since "$start")

start=$(date +%s%N)
for _ in $(seq "$JOBS"); do sbatch -Q -o /dev/null --wrap true; done
slurm_submits=$(ms_since "$start")
while [[ -n "$(squeue -h)" ]]; do sleep 0.01; done
slurm_all=$(ms_since "$start")

start=$(date +%s%N)
"$ROOT/bin/submit" --wait -- true >/dev/null
grid_wait=$(ms_since "$start")
start=$(date +%s%N)
sbatch -Q --wait -o /dev/null --wrap true
slurm_wait=$(ms_since "$start")

awk -v n="$JOBS" -v gs="$grid_submits" -v ga="$grid_all" -v ss="$slurm_submits" -v sa="$slurm_all" \
    -v gw="$grid_wait" -v sw="$slurm_wait" 'BEGIN {
  printf "slurm: %d `bin/submit -- true` in a shell loop: submits %.1f s (%.0f ms each), all ended after %.1f s\n", n, gs/1000, gs/n, ga/1000
  printf "slurm: %d `sbatch --wrap true` in a shell loop: submits %.1f s (%.0f ms each), all ended after %.1f s\n", n, ss/1000, ss/n, sa/1000
  printf "slurm: until all ended, grid %.1f s against Slurm %.1f s: grid/Slurm time %.2f (extra figure, no target)\n", ga/1000, sa/1000, ga/sa
  printf "slurm: one `bin/submit --wait -- true` %.2f s against one `sbatch --wait --wrap true` %.2f s (extra figure, no target)\n", gw/1000, sw/1000
}'
OK=1
