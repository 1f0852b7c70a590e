#!/usr/bin/env bash
# Soak: start forklab N times — every lesson × method and `trace` of a process tree, in turn —
# and kill it (SIGKILL, SIGINT or SIGTERM) at a random moment: half in its first 50 ms, the rest
# anywhere in its first 1.5 s. Then count what survived: processes, pids cgroups, /dev/shm and
# /tmp entries, journals. Canaries planted in the host's /dev/shm must be untouched.
#   scripts/soak.sh [N] [path/to/forklab]      (N defaults to 100; exit 1 if anything is left)
set -uo pipefail
n=${1:-100}
forklab=${2:-build/bin/forklab}
[ -x "$forklab" ] || { echo "soak: no forklab at $forklab (build first)" >&2; exit 2; }
token="FORKLAB_SOAK=$$"

commands=()
for id in $("$forklab" list 2>/dev/null | grep -E '^[a-z0-9-]+ ' | cut -d' ' -f1); do
  for m in fork spawn forkserver; do commands+=("run $id --method $m -q"); done
done
commands+=("trace -q -- sh -c 'sleep 0.3 | cat & (sleep 2 &); echo x > /dev/shm/forklab-soak; wait'")
commands+=("trace -q --isolate -- sh -c 'mkdir /tmp/forklab-soak-\$\$; sleep 1 & sleep 1; wait'")

list_shm() { ls -A /dev/shm 2>/dev/null | sort; }
list_tmp() { ls -A /tmp 2>/dev/null | grep -E '^(forklab-|pymp-)' | sort; }
journals() { ls -d /run/forklab /tmp/forklab-journal* 2>/dev/null | wc -l; }

canaries=()
for i in 1 2 3; do
  c=/dev/shm/forklab-soak-canary-$$-$i
  echo "canary $i of $$" > "$c" && canaries+=("$c")
done
shm_before=$(list_shm)
tmp_before=$(list_tmp)
journals_before=$(journals)

killed=()
start=$(date +%s)
for ((i = 0; i < n; i++)); do
  cmd=${commands[$((RANDOM % ${#commands[@]}))]}
  sigs=(KILL INT TERM)
  sig=${sigs[$((RANDOM % 3))]}
  if ((RANDOM % 2)); then delay_ms=$((RANDOM % 50)); else delay_ms=$((RANDOM % 1500)); fi
  env "$token" bash -c "exec $forklab $cmd" </dev/null >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -s "$sig" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  killed+=("$pid")
  if (((i + 1) % 50 == 0)); then echo "soak: $((i + 1))/$n runs ($(($(date +%s) - start)) s)"; fi
done

# The kernel ends what is left (PDEATHSIG, PTRACE_O_EXITKILL) as it gets to it: allow 30 s.
survivors() { grep -lsa "$token" /proc/[0-9]*/environ 2>/dev/null | grep -v "/proc/$$/" | wc -l; }
for ((t = 0; t < 300; t++)); do [ "$(survivors)" -eq 0 ] && break; sleep 0.1; done
procs=$(survivors)
# A killed forklab's pids cgroup is removed, with a line, by the next forklab that starts.
"$forklab" list >/dev/null 2>/tmp/forklab-soak-next.$$
cleaned=$(grep -c 'pids cgroup of a forklab that was killed' /tmp/forklab-soak-next.$$)
rm -f /tmp/forklab-soak-next.$$
# Only the groups of the forklabs this soak started (forklab.PID.SEQ) count.
cgroups=0
for pid in "${killed[@]}"; do
  cgroups=$((cgroups + $(ls -d /sys/fs/cgroup/pids/forklab."$pid".* /sys/fs/cgroup/forklab."$pid".* 2>/dev/null | wc -l)))
done
shm_new=$(comm -13 <(echo "$shm_before") <(list_shm) | grep -c .)
tmp_new=$(comm -13 <(echo "$tmp_before") <(list_tmp) | grep -c .)
journals_new=$(($(journals) - journals_before))
canaries_lost=0
for c in "${canaries[@]}"; do
  [ "$(cat "$c" 2>/dev/null)" = "canary ${c##*-} of $$" ] || canaries_lost=$((canaries_lost + 1))
  rm -f "$c"
done

echo "soak: $n runs in $(($(date +%s) - start)) s; left behind:"
printf '  %-40s %s\n' "processes" "$procs" \
  "pids cgroups (after the next start)" "$cgroups" \
  "  (removed by the next start, said)" "$cleaned" \
  "journals" "$journals_new" \
  "/dev/shm entries" "$shm_new" \
  "/tmp entries (forklab-*, pymp-*)" "$tmp_new" \
  "host /dev/shm canaries lost or changed" "$canaries_lost"
[ "$procs" -eq 0 ] && [ "$cgroups" -eq 0 ] && [ "$journals_new" -le 0 ] && [ "$shm_new" -eq 0 ] &&
  [ "$tmp_new" -eq 0 ] && [ "$canaries_lost" -eq 0 ]
