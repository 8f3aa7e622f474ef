#!/usr/bin/env bash
# Re-records every fixture under test/fixtures from a fresh lab each time (about 6 minutes per scenario).
# Usage: deploy/lab/record-all.sh [scenario ...]     (default: all of them)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lab="$here/lab.sh"
declare -A cmd=(
  [disk-slow-follower]="--fault disk --member follower --duration 210 --description 'fdatasync of one follower delayed by 1.2 s (strace inject) under light traffic'"
  [network-slow-follower]="--fault network --member follower --duration 180 --description 'peer traffic of one follower delayed 150 ms + 0-100 ms jitter each way (lab proxy) under light traffic'"
  [cpu-starved-follower]="--fault cpu --member follower --duration 180 --description 'one follower pinned to one core with 4 stress-ng hogs, its threads and autogroup niced to 10, under light traffic'"
  [cpu-starved-follower-severe]="--fault cpu --member follower --cpu-nice 15 --duration 180 --description 'one follower pinned to one core with 4 stress-ng hogs, its threads and autogroup niced to 15: starved so far that most 1 s scrapes of it fail'"
  [expensive-requests]="--fault expensive --duration 180 --description '4 clients repeatedly ranging 200 values of 1 MiB under /lab/big/ (no limit) on top of light traffic'"
  [capacity-write-flood]="--fault capacity --duration 180 --description '64 concurrent writers sending transactions of 64 x 1 KiB puts back to back on top of light traffic'"
  [healthy-control]="--fault none --duration 180 --description 'no fault: light traffic only (control)'"
  [disk-mild-follower]="--fault disk --member follower --fsync-delay-us 60000 --duration 180 --description 'fdatasync of one follower delayed by 60 ms (strace inject) under light traffic: a mild slow disk'"
  [network-mild-member]="--fault network --member follower --delay-ms 20 --jitter-ms 10 --duration 180 --description 'peer traffic of one member delayed 20 ms + 0-10 ms jitter each way (lab proxy) under light traffic: a mild network delay'"
  [disk-slow-leader]="--fault disk --member leader --duration 180 --description 'fdatasync of the leader delayed by 1.2 s (strace inject) under light traffic, long enough to cost it the leadership'"
  [cpu-starved-follower-long]="--fault cpu --member follower --duration 300 --description 'one follower pinned to one core with 4 stress-ng hogs, its threads and autogroup niced to 10, for 5 minutes, to check the verdict at several minutes after onset'"
  [disk-slow-with-expensive]="--fault disk --member follower --fsync-delay-us 200000 --with expensive --duration 180 --description 'two faults at once: fdatasync of one follower delayed by 200 ms, and 4 clients ranging 200 values of 1 MiB under /lab/big/'"
  [busy-healthy-fragmented]="--fault none --fragment etcd-3 --load-writes 80 --load-reads 120 --duration 180 --description 'no fault: a busier but healthy cluster (80 puts/s, 120 reads/s) whose etcd-3 still holds the free pages of an earlier burst of 150 MiB of large keys (written, deleted, compacted; the others defragmented)'"
  [disk-slow-follower-node]="--fault disk --member follower --duration 180 --description 'fdatasync of one follower delayed by 1.2 s (strace inject) under light traffic, with the node'\''s disk counters and uname kept: the syscall is delayed above the device, which stays quiet'"
  [disk-slow-follower-capnslog]="--mode default --fault disk --member follower --duration 180 --description 'slow disk on one follower (1.2 s fdatasync) with etcd default flags: capnslog text logs, basic metrics'"
)
order=(disk-slow-follower network-slow-follower cpu-starved-follower cpu-starved-follower-severe expensive-requests capacity-write-flood healthy-control disk-slow-follower-capnslog disk-mild-follower network-mild-member disk-slow-leader cpu-starved-follower-long disk-slow-with-expensive busy-healthy-fragmented disk-slow-follower-node)
[[ $# -gt 0 ]] && order=("$@")
for s in "${order[@]}"; do
  [[ -n "${cmd[$s]:-}" ]] || { echo "unknown scenario $s; known: ${!cmd[*]}" >&2; exit 2; }
  echo "=== recording $s ===" >&2
  eval "\"$lab\" record \"$s\" --baseline 90 ${cmd[$s]}"
done
