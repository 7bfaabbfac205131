#!/usr/bin/env bash
# An orderer restarted past a Raft snapshot: `net start` must wait until it is in consensus at the
# channel's height (not return on /healthz), and `net status` must report it truthfully.
#
#   tests/network/test_orderer_restart.sh            (base 27600, or FABWEAVE_TEST_BASE)
#
# Brings up its own network with a 16 KB SnapshotIntervalSize (the orderers snapshot every two or
# three blocks), writes transactions, stops a follower orderer, writes past the leader's next two
# snapshots (so the follower must catch up from a snapshot by pulling blocks), starts it again and
# checks `start` and `status`; then checks the no-quorum report, and that `start` says clearly
# that the orderer is not in consensus when it cannot reach it (the two others frozen with SIGSTOP). Takes the network
# down at the end, also on failure. Exits non-zero on the first failed check. About 2-3 minutes.
set -euo pipefail

NET_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BASE=$(( ${FABWEAVE_TEST_BASE:-27600} + ${FABWEAVE_TEST_NET_BASE_OFFSET:-0} ))
NET=("$NET_DIR/net" --base "$BASE")
WORK=$(mktemp -d)
FROZEN=()

say() { printf 'test: %s\n' "$*" >&2; }
fail() {
  printf 'test: FAIL: %s\n' "$*" >&2
  exit 1
}
cleanup() {
  local rc=$? pid
  # never leave orderers frozen: `down` sends SIGTERM, which a stopped process does not act on
  for pid in "${FROZEN[@]+"${FROZEN[@]}"}"; do kill -CONT "$pid" 2>/dev/null || true; done
  "${NET[@]}" down >/dev/null 2>&1 || true
  rm -rf "$WORK"
  if [ $rc -eq 0 ]; then say "PASS"; else say "network at base $BASE taken down after the failure"; fi
}

NET_HOME=$("${NET[@]}" env peer0.org1 2>/dev/null | sed -n 's|^FABRIC_CFG_PATH=\(.*\)/config$|\1|p') || true
[ -z "$NET_HOME" ] || fail "a network is already up at base $BASE; take it down or set FABWEAVE_TEST_BASE"
trap cleanup EXIT

say "up at base $BASE with SnapshotIntervalSize 16 KB"
FABWEAVE_NET_SNAPSHOT_INTERVAL="16 KB" "${NET[@]}" up 2>"$WORK/up.log" || { cat "$WORK/up.log" >&2; fail "net up failed"; }
NET_HOME=$("${NET[@]}" env peer0.org1 | sed -n 's|^FABRIC_CFG_PATH=\(.*\)/config$|\1|p')
LOGS=$NET_HOME/logs
"${NET[@]}" env peer0.org1 >"$WORK/cli.env"
orderer_port() { echo $((BASE + ${1#orderer} * 10)); }

# tx N ORDERER: N sequential puts on kv_or (2 KB values, about 9 KB blocks) through ORDERER
tx() {
  local n=$1 port i val
  port=$(orderer_port "$2")
  val=$(head -c 2000 /dev/zero | tr '\0' x)
  for i in $(seq 1 "$n"); do
    (set -a && . "$WORK/cli.env" && set +a && exec peer chaincode invoke -o "127.0.0.1:$port" --tls \
      --cafile "$ORDERER_TLS_CA" -C mychannel -n kv_or -c "{\"Args\":[\"put\",\"restart-$RANDOM-$i\",\"$val\"]}" \
      --waitForEvent --waitForEventTimeout 20s) >/dev/null 2>"$WORK/tx.err" \
      || fail "transaction $i through $2 failed: $(tail -n 1 "$WORK/tx.err" | cut -c1-200)"
  done
}
plain_log() { sed 's/\x1b\[[0-9;]*m//g' "$LOGS/$1.log"; }
snapshots() { plain_log "$1" | grep -c 'taking snapshot' || true; }
# status_of NODE: NODE's STATE column in `net status` (the status text is in $WORK/status)
status_of() { awk -v n="$1" '$1 == n { s = $2; for (i = 3; i <= NF - 3; i++) s = s " " $i; print s }' "$WORK/status"; }
height_of() { awk -v n="$1" '$1 == n { print $(NF - 1) }' "$WORK/status"; }
channel_height() { sed -n 's/^channel mychannel height: \([0-9]*\).*/\1/p' "$WORK/status"; }
status() {
  local rc=0
  "${NET[@]}" status >"$WORK/status" 2>&1 || rc=$?
  cat "$WORK/status" >&2
  return $rc
}

# The leader: the Raft ID in the last "Raft leader changed" line of orderer0; IDs follow the
# consenter order (orderer0 = 1). The victim is a follower, so that stopping it costs no election.
tx 3 orderer0
leader_id=$(plain_log orderer0 | sed -n 's/.*Raft leader changed: [0-9]* -> \([1-9]\) .*/\1/p' | tail -n 1)
[ -n "$leader_id" ] || fail "no Raft leader in orderer0's log"
LEADER=orderer$((leader_id - 1))
VICTIM=orderer$((leader_id % 3))
THIRD=
for o in orderer0 orderer1 orderer2; do [ "$o" != "$LEADER" ] && [ "$o" != "$VICTIM" ] && THIRD=$o; done
say "leader $LEADER; restarting follower $VICTIM; $(snapshots "$LEADER") snapshots on the leader so far"

status || fail "net status is not all up right after up"
[ "$(status_of "$VICTIM")" = up ] || fail "$VICTIM is '$(status_of "$VICTIM")' before the test, not up"

say "stop $VICTIM, write 12 blocks and until the leader has taken two more snapshots"
"${NET[@]}" stop "$VICTIM"
before=$(snapshots "$LEADER")
# the leader keeps a few Raft entries past a snapshot for slow followers; 12 blocks are past them
tx 12 "$LEADER"
tries=0
while [ "$(snapshots "$LEADER")" -lt $((before + 2)) ]; do
  tx 2 "$LEADER"
  tries=$((tries + 1))
  [ $tries -lt 30 ] || fail "the leader took no snapshot in 60 transactions (SnapshotIntervalSize not applied?)"
done
if status; then fail "net status exited 0 with $VICTIM stopped"; fi
[ "$(status_of "$VICTIM")" = stopped ] || fail "$VICTIM shows '$(status_of "$VICTIM")', not stopped"

say "start $VICTIM right after the leader's snapshot"
syncs=$(plain_log "$VICTIM" | grep -c 'catchUp -> Finished syncing' || true)
t0=$(date +%s.%N)
"${NET[@]}" start "$VICTIM" 2>"$WORK/start.log" || { cat "$WORK/start.log" >&2; fail "net start $VICTIM failed"; }
t1=$(date +%s.%N)
cat "$WORK/start.log" >&2
grep -q "$VICTIM started and in consensus at height [0-9]* (Raft leader $LEADER)" "$WORK/start.log" \
  || fail "net start did not report $VICTIM in consensus with leader $LEADER"
say "net start took $(awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.1f", a-b}') s"
# what Fabric did: the follower restored the leader's snapshot and pulled the blocks it missed
plain_log "$VICTIM" | grep -E 'Raft leader changed|restored snapshot|catchUp ->' | tail -n 4 | cut -c1-200 >&2 || true
[ "$(plain_log "$VICTIM" | grep -c 'catchUp -> Finished syncing' || true)" -gt "$syncs" ] \
  || say "note: $VICTIM caught up from Raft entries, not from a snapshot (the leader still had them)"

status || fail "net status is not all up after $VICTIM was started"
[ "$(status_of "$VICTIM")" = up ] || fail "$VICTIM shows '$(status_of "$VICTIM")' after start"
[ "$(height_of "$VICTIM")" = "$(channel_height)" ] || fail "$VICTIM height $(height_of "$VICTIM") is not the channel height $(channel_height)"

say "no quorum: stop $VICTIM and $THIRD; $LEADER must not be reported up"
"${NET[@]}" stop "$VICTIM"
"${NET[@]}" stop "$THIRD"
# the leader steps down once it misses a quorum (ElectionTick 10 x TickInterval 500ms)
deadline=$((SECONDS + 30))
while true; do
  if status; then fail "net status exited 0 with two orderers stopped"; fi
  case "$(status_of "$LEADER")" in "no quorum"*) break ;; esac
  [ $SECONDS -lt $deadline ] || fail "$LEADER shows '$(status_of "$LEADER")' 30 s after losing its quorum, not 'no quorum'"
  sleep 2
done
say "start $THIRD: quorum again, it must end in consensus"
"${NET[@]}" start "$THIRD" 2>"$WORK/start.log" || { cat "$WORK/start.log" >&2; fail "net start $THIRD failed"; }
cat "$WORK/start.log" >&2
grep -q "$THIRD started and in consensus" "$WORK/start.log" || fail "net start $THIRD did not report consensus"

say "a start that cannot reach consensus says so clearly: $LEADER and $THIRD frozen (SIGSTOP)"
FROZEN=("$(cat "$NET_HOME/run/$LEADER.pid")" "$(cat "$NET_HOME/run/$THIRD.pid")")
kill -STOP "${FROZEN[@]}"
rc=0
FABWEAVE_NET_ORDERER_WAIT=15 "${NET[@]}" start "$VICTIM" 2>"$WORK/start.log" || rc=$?
kill -CONT "${FROZEN[@]}"
FROZEN=()
cat "$WORK/start.log" >&2
[ $rc -eq 0 ] || fail "net start $VICTIM failed ($rc) instead of reporting that it is not in consensus"
grep -q "warning: $VICTIM is not in consensus after 15 s: .*its height .*channel height .*read .*/$VICTIM.log" "$WORK/start.log" \
  || fail "the warning does not name $VICTIM, its height, the others' and its log"

say "after SIGCONT everything must come back in consensus"
deadline=$((SECONDS + 90))
until status; do
  [ $SECONDS -lt $deadline ] || fail "the network did not come back all up within 90 s after SIGCONT"
  sleep 3
done
tx 2 "$VICTIM"
