# Sourced by tests/network/net. Is an orderer in consensus at the channel's height?
#
# An orderer's /healthz answers 200 as soon as the process serves: while it is still replaying its
# WAL, before it has heard from a Raft leader, and while it is behind the channel. It then already
# takes Broadcast streams (and forwards them to a leader it may not have). A soak test saw an
# orderer, restarted right after the leader's snapshot, pass /healthz and accept submissions but
# never catch up; two such orderers left the channel without a leader. So `start` and `status`
# judge an orderer by what it says about the channel instead:
#   - the channel participation API (osnadmin channel list --channelID): its relation to the
#     channel (consenter), the chain's status (active) and its ledger height;
#   - its log since its own start: the last "Raft leader changed: A -> B" line (B = 0: no leader).
#     Neither the API nor the operations endpoint tells a follower's view of the leader;
#   - the highest height among the running orderers and peers (peers by `peer channel getinfo`):
#     an orderer is "up" only at that height, with a leader.
# The GM fork has no channel participation API; its orderers are judged by /healthz alone.

# osnadmin_cli NODE ARGS...: osnadmin against NODE's admin endpoint. Admin TLS is off in this
# network (orderer.yaml's Admin.TLS.Enabled: false), so no client certificate is needed; `timeout`
# because a wedged (or SIGSTOPped) orderer would otherwise hang `status` and `start`.
osnadmin_cli() {
  local node=$1
  shift
  timeout 5 "$FABRIC_BIN/osnadmin" "$@" -o "127.0.0.1:$(node_port "$node" admin)"
}

# orderer_channel_info NODE: "RELATION STATUS HEIGHT" for the channel, or fails when the admin
# endpoint does not answer or does not know the channel (yet).
orderer_channel_info() {
  local out
  out=$(osnadmin_cli "$1" channel list --channelID "$CHANNEL" --no-status 2>/dev/null) || return 1
  jq -er 'select(.height | type == "number") | "\(.consensusRelation) \(.status) \(.height)"' <<<"$out" 2>/dev/null
}

# orderer_leader NODE: the Raft ID of the leader NODE follows, from its log since its start;
# 0 when it has seen none (or lost it). Raft IDs follow the consenter order of the genesis block:
# orderer0 = 1, orderer1 = 2, orderer2 = 3.
orderer_leader() {
  local line
  line=$(log_since_start "$1" | grep -a "Raft leader changed: .* channel=$CHANNEL " | tail -n 1)
  [ -n "$line" ] || { echo 0; return 0; }
  sed -n 's/.*Raft leader changed: [0-9]* -> \([0-9]*\) .*/\1/p' <<<"$line"
}
orderer_index() { local i; for i in "${!ORDERERS[@]}"; do [ "${ORDERERS[$i]}" = "$1" ] && echo "$i"; done; }
raft_id_name() { if [ "$1" -ge 1 ] && [ "$1" -le ${#ORDERERS[@]} ]; then echo "${ORDERERS[$(($1 - 1))]}"; else echo "raft node $1"; fi; }

# collect_heights: one look at every running orderer and peer. Sets
#   NODE_HEIGHT[node]  ledger height (orderers: osnadmin; peers: peer channel getinfo)
#   ORDERER_INFO[node] "RELATION STATUS HEIGHT" of each orderer that answered
#   CHANNEL_MAX        the highest of those heights (0 if none answered)
#   ORDERERS_RUNNING   how many orderer processes are running
# Orderers are asked first: they are ahead of the peers, which commit what the orderers deliver.
declare -A NODE_HEIGHT=() ORDERER_INFO=()
CHANNEL_MAX=0
ORDERERS_RUNNING=0
collect_heights() {
  local node info h
  NODE_HEIGHT=()
  ORDERER_INFO=()
  CHANNEL_MAX=0
  ORDERERS_RUNNING=0
  for node in "${ORDERERS[@]}"; do
    node_running "$node" || continue
    ORDERERS_RUNNING=$((ORDERERS_RUNNING + 1))
    [ "$GM" = true ] && continue
    info=$(orderer_channel_info "$node") || continue
    ORDERER_INFO[$node]=$info
    NODE_HEIGHT[$node]=${info##* }
  done
  if [ -d "$NET_HOME/env" ]; then
    for node in "${PEERS[@]}"; do
      node_running "$node" || continue
      h=$(peer_height "$node" || true)
      [ -n "$h" ] && NODE_HEIGHT[$node]=$h
    done
  fi
  for h in "${NODE_HEIGHT[@]}"; do [ "$h" -gt "$CHANNEL_MAX" ] && CHANNEL_MAX=$h; done
  return 0
}

# heights_summary [EXCEPT]: "orderer1=15 orderer2=15 peer0.org1=15 ..." from collect_heights.
heights_summary() {
  local node out=()
  for node in "${ORDERERS[@]}" "${PEERS[@]}"; do
    [ "$node" = "${1:-}" ] && continue
    if [ -n "${NODE_HEIGHT[$node]:-}" ]; then
      out+=("$node=${NODE_HEIGHT[$node]}")
    elif node_running "$node"; then
      out+=("$node=?")
    else
      out+=("$node=stopped")
    fi
  done
  echo "${out[*]}"
}

# orderer_quorum_possible: whether the running orderers are a majority of the consenters, without
# which no leader can be elected and no orderer can be in consensus.
orderer_quorum_possible() { [ $((ORDERERS_RUNNING * 2)) -gt ${#ORDERERS[@]} ]; }

# orderer_state NODE: after collect_heights, the state of a running orderer, one of
#   up                      consenter, chain active, follows a Raft leader, at the channel height
#   starting                /healthz or the admin API not answering yet, or the channel unknown
#   behind (h=12 of 15)     follows a leader, but its ledger is below the channel height
#   no leader (h=15)        has seen no Raft leader since its start (or lost it)
#   no quorum (h=15)        no leader, and too few orderers run to elect one
#   STATUS (h=15)           chain status other than active: onboarding, failed, inactive
#   RELATION (h=15)         not a consenter of the channel: follower, config-tracker, other
# (h=12 of 15 when the orderer is also below the channel height)
orderer_state() {
  local node=$1 rel status h leader info
  if [ "$GM" = true ]; then
    if node_ready "$node"; then echo up; else echo starting; fi
    return 0
  fi
  node_ready "$node" || { echo starting; return 0; }
  [ -n "${ORDERER_INFO[$node]:-}" ] || { echo starting; return 0; }
  read -r rel status h <<<"${ORDERER_INFO[$node]}"
  # Under load a block may be cut between asking this orderer and asking the others: look once
  # more at an orderer that seems behind before calling it so.
  if [ "$h" -lt "$CHANNEL_MAX" ] && info=$(orderer_channel_info "$node"); then
    read -r rel status h <<<"$info"
  fi
  if [ "$status" != active ]; then echo "$status (h=$h)"; return 0; fi
  if [ "$rel" != consenter ]; then echo "$rel (h=$h)"; return 0; fi
  local hs="h=$h"
  [ "$h" -lt "$CHANNEL_MAX" ] && hs="h=$h of $CHANNEL_MAX"
  leader=$(orderer_leader "$node")
  if [ "${leader:-0}" = 0 ]; then
    if orderer_quorum_possible; then echo "no leader ($hs)"; else echo "no quorum ($hs)"; fi
    return 0
  fi
  if [ "$h" -lt "$CHANNEL_MAX" ]; then echo "behind ($hs)"; return 0; fi
  echo up
}

# wait_orderer NODE: after a (re)start, waits until NODE is in consensus at the channel height;
# FABWEAVE_NET_ORDERER_WAIT seconds (default 30) at most, then warns (the node may still join), polling once a second (each look runs
# osnadmin three times and the peer CLI four times). Succeeds at once, with a warning, when too
# few orderers run for a quorum: the node cannot be in consensus until another one starts, and
# starting the orderers of a fully stopped network one by one must stay possible.
wait_orderer() {
  local node=$1 limit=${FABWEAVE_NET_ORDERER_WAIT:-30} state leader
  local deadline=$((SECONDS + limit))
  while true; do
    node_running "$node" || die "$node exited while joining consensus; read $(log_file "$node")"
    collect_heights
    state=$(orderer_state "$node")
    if [ "$state" = up ]; then
      # orderer_state may have looked again at an orderer that seemed behind: ask for its height
      ORDERER_HEIGHT=$(orderer_channel_info "$node" | cut -d' ' -f3) || ORDERER_HEIGHT=${NODE_HEIGHT[$node]}
      ORDERER_LEADER=$(raft_id_name "$(orderer_leader "$node")")
      return 0
    fi
    if ! orderer_quorum_possible; then
      info "$node is running but only $ORDERERS_RUNNING of ${#ORDERERS[@]} orderers are: no Raft leader can be elected; start another orderer (net status shows when it is in consensus)"
      ORDERER_HEIGHT=
      return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      leader=$(orderer_leader "$node") || leader=0
      local hint=
      # Seen on Fabric 2.5.0: the leader re-dials a node that was down for minutes only when
      # gRPC's reconnect backoff (up to 2 min) expires; until then it sends nothing to it.
      [ "${leader:-0}" = 0 ] && hint="; if the leader's log says 'Failed to send StepRequest to $(($(orderer_index "$node") + 1))' with no later 'Successfully sent StepRequest to $(($(orderer_index "$node") + 1))', the leader has not reconnected to $node yet: wait, or restart the leader"
      local summary seen
      summary=$(heights_summary "$node" 2>/dev/null) || summary="?"
      if [ "${leader:-0}" = 0 ]; then seen=none; else seen=$(raft_id_name "$leader"); fi
      # Reported, not fatal: the node runs and may still join (the other orderers keep the channel
      # going); `net status` keeps telling the truth about it.
      info "warning: $node is not in consensus after $limit s: $state; its height ${NODE_HEIGHT[$node]:-unknown}, channel height $CHANNEL_MAX ($summary); Raft leader seen since its start: $seen; read $(log_file "$node") (look for 'Raft leader changed', 'catchUp', 'puller')$hint"
      ORDERER_HEIGHT=
      return 0
    fi
    sleep 1
  done
}
