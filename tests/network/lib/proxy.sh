# Sourced by tests/network/net. `net proxy`: network faults between a client and one node, through
# Shopify's toxiproxy (built by install_toxiproxy in lib/install.sh).
#
# One toxiproxy server per network, run like a node: launcher run/toxiproxy.sh, pid file
# run/toxiproxy.pid (so stop_all, and with it `down`, stops it too), log logs/toxiproxy.log, API on
# 127.0.0.1:$(proxy_api_port). One proxy per node, named after the node, listening on
# 127.0.0.1:$(proxy_port NODE) and forwarding to the node's listen port (ports: lib/topology.sh).
# Clients reach the node through the proxy by dialling that address; TLS passes through unchanged,
# and the node certificates' IP SAN 127.0.0.1 still matches.
#
# Toxiproxy facts the commands rely on (toxiproxy v2.5.0 source, toxic_collection.go, toxics/):
# - a toxic added to a proxy is inserted into the chain of every live connection too, so it hits
#   connections that already exist, not only new ones;
# - removing a `timeout` toxic closes the connections it was holding (its Cleanup closes the
#   stub), so `clear` after `timeout` restores service for new connections, not for held ones;
# - `reset_peer` fires on the next chunk of data on its stream, not on an idle connection, and
#   sends a TCP RST (both ways) only on connections opened after it was added: toxiproxy sets
#   SO_LINGER=0 when a link starts (link.go Start), so older connections get a plain FIN (EOF);
# - `timeout` with timeout=0 on downstream is the black hole after read: the node still receives
#   every byte and answers, the proxy drops the answers, the connection stays ESTABLISHED;
# - disabling a proxy closes its listener and every connection through it.

TOXIPROXY=toxiproxy # its name in run/ and logs/
TOXIC_TYPES=(timeout reset_peer latency limit_data slicer bandwidth slow_close)

# toxic_attributes TYPE: the integer attributes toxiproxy reads for TYPE. It ignores unknown ones
# silently, so a typo (`timout=0`) would leave the default in place; hence the check.
toxic_attributes() {
  case "$1" in
    timeout | reset_peer) echo timeout ;;
    latency) echo latency jitter ;;
    limit_data) echo bytes ;;
    slicer) echo average_size size_variation delay ;;
    bandwidth) echo rate ;;
    slow_close) echo delay ;;
  esac
}

# toxi METHOD PATH [JSON]: one API call. Sets TOXI_STATUS (000 when the server did not answer)
# and TOXI_BODY. Never fails by itself; callers check with toxi_check.
toxi() {
  local method=$1 path=$2 data=${3:-} out args=()
  [ -z "$data" ] || args=(-H 'Content-Type: application/json' --data "$data")
  out=$(curl -s --max-time 10 -X "$method" "${args[@]}" -w '\n%{http_code}' \
    "http://127.0.0.1:$(proxy_api_port)$path") || true
  TOXI_STATUS=${out##*$'\n'}
  TOXI_BODY=${out%$'\n'*}
  [ -n "$TOXI_STATUS" ] || TOXI_STATUS=000
}

# toxi_check WHAT STATUS...: fails with toxiproxy's own error text unless the last call answered
# one of the STATUSes.
toxi_check() {
  local what=$1 s msg
  shift
  for s in "$@"; do [ "$TOXI_STATUS" = "$s" ] && return 0; done
  [ "$TOXI_STATUS" != 000 ] \
    || die "$what: the toxiproxy API at 127.0.0.1:$(proxy_api_port) did not answer; read $(log_file "$TOXIPROXY")"
  msg=$(jq -r '.error // empty' <<<"$TOXI_BODY" 2>/dev/null || true)
  [ -n "$msg" ] || msg=$(head -c 300 <<<"$TOXI_BODY")
  die "$what: toxiproxy answered HTTP $TOXI_STATUS: $msg"
}

proxy_api_up() {
  toxi GET /version
  [ "$TOXI_STATUS" = 200 ]
}

# proxy_server_start: builds toxiproxy if needed and starts this network's server unless it runs.
proxy_server_start() {
  local port deadline
  port=$(proxy_api_port)
  if ! node_running "$TOXIPROXY"; then
    install_toxiproxy
    port_in_use "$port" \
      && die "port $port (toxiproxy API of base $BASE) is in use by another process; pick another base or stop what holds it"
    # the launcher execs the server, so start_node records the server's own PID (as for the nodes)
    cat >"$NET_HOME/run/$TOXIPROXY.sh" <<SH
#!/usr/bin/env bash
exec $TOXIPROXY_BIN -host 127.0.0.1 -port $port
SH
    chmod +x "$NET_HOME/run/$TOXIPROXY.sh"
    start_node "$TOXIPROXY"
    info "toxiproxy server started (pid $(cat "$(pid_file "$TOXIPROXY")"), API 127.0.0.1:$port)"
  fi
  deadline=$((SECONDS + 10))
  until proxy_api_up; do
    node_running "$TOXIPROXY" || die "the toxiproxy server exited during start; read $(log_file "$TOXIPROXY")"
    [ $SECONDS -lt $deadline ] || die "the toxiproxy API at 127.0.0.1:$port did not answer in 10 s; read $(log_file "$TOXIPROXY")"
    sleep 0.1
  done
}

# proxy_server_need: for the commands that change an existing proxy; they never start a server.
proxy_server_need() {
  node_running "$TOXIPROXY" || die "no toxiproxy server runs for the network at base $BASE; 'net proxy add $1' starts it"
}

# proxy_node USAGE NODE: checks NODE names a node of this network, and that the network exists.
proxy_node() {
  local usage=$1 node=${2:-}
  [ -n "$node" ] || die "usage: net proxy $usage (nodes: $(all_nodes))"
  # node_kind goes by the name's shape (peer9.org1 passes); node_port knows the actual nodes
  node_kind "$node" >/dev/null
  node_port "$node" >/dev/null
  [ -f "$NET_HOME/state" ] || die "no network in $NET_HOME; run 'up' first"
}

# toxi_proxy_check WHAT NODE: toxi_check, with a hint when the proxy does not exist.
toxi_proxy_check() {
  local what=$1 node=$2
  shift 2
  [ "$TOXI_STATUS" != 404 ] || die "$what: no proxy for $node; run 'net proxy add $node' first"
  toxi_check "$what" "$@"
}

proxy_add() {
  proxy_node "add NODE" "$@"
  local node=$1 listen port
  port=$(proxy_port "$node")
  proxy_server_start
  toxi GET "/proxies/$node"
  if [ "$TOXI_STATUS" = 404 ]; then
    # a foreign listener would make toxiproxy fail with a bare "address already in use"
    port_in_use "$port" && die "port $port (proxy for $node) is in use by another process"
    toxi POST /proxies "$(jq -cn --arg name "$node" --arg listen "127.0.0.1:$port" \
      --arg upstream "127.0.0.1:$(node_port "$node")" \
      '{name: $name, listen: $listen, upstream: $upstream, enabled: true}')"
    toxi_check "creating the proxy for $node" 201
    info "proxy $node: 127.0.0.1:$port -> 127.0.0.1:$(node_port "$node")"
  else
    toxi_check "reading the proxy for $node" 200
    [ "$(jq -r .enabled <<<"$TOXI_BODY")" = true ] \
      || info "proxy $node exists and is cut; 'net proxy restore $node' re-enables it"
  fi
  listen=$(jq -r .listen <<<"$TOXI_BODY")
  [ -n "$listen" ] && [ "$listen" != null ] || die "toxiproxy's answer names no listen address: $TOXI_BODY"
  printf '%s\n' "$listen"
}

proxy_toxic() {
  local usage="toxic NODE NAME TYPE STREAM [KEY=VALUE ...] (TYPE: ${TOXIC_TYPES[*]}; STREAM: upstream|downstream)"
  proxy_node "$usage" "$@"
  [ $# -ge 4 ] || die "usage: net proxy $usage"
  local node=$1 name=$2 type=$3 stream=$4 kv key value attrs='{}' toxicity=1 known
  shift 4
  [[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || die "toxic name '$name': use letters, digits, '_', '.', '-'"
  known=$(toxic_attributes "$type")
  [ -n "$known" ] || die "unknown toxic type '$type' (types: ${TOXIC_TYPES[*]})"
  case "$stream" in upstream | downstream) ;; *) die "stream must be upstream (client to node) or downstream (node to client), got '$stream'" ;; esac
  for kv in "$@"; do
    [[ "$kv" == *=* ]] || die "toxic attribute '$kv' is not KEY=VALUE"
    key=${kv%%=*}
    value=${kv#*=}
    if [ "$key" = toxicity ]; then
      # the share of connections the toxic applies to, 0..1 (toxiproxy's default: 1, all of them)
      [[ "$value" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || die "toxicity must be a number from 0 to 1, got '$value'"
      toxicity=$value
      continue
    fi
    [[ " $known " == *" $key "* ]] || die "a $type toxic has no attribute '$key' (it has: $known, and toxicity)"
    [[ "$value" =~ ^[0-9]+$ ]] || die "toxic attribute $key must be a non-negative integer, got '$value'"
    attrs=$(jq -c --arg k "$key" --argjson v "$((10#$value))" '. + {($k): $v}' <<<"$attrs")
  done
  proxy_server_need "$node"
  toxi POST "/proxies/$node/toxics" "$(jq -cn --arg name "$name" --arg type "$type" --arg stream "$stream" \
    --argjson toxicity "$toxicity" --argjson attributes "$attrs" \
    '{name: $name, type: $type, stream: $stream, toxicity: $toxicity, attributes: $attributes}')"
  [ "$TOXI_STATUS" != 409 ] || die "proxy $node already has a toxic named '$name'; 'net proxy clear $node' removes them"
  toxi_proxy_check "adding toxic $name to $node" "$node" 200
  info "proxy $node: toxic $name: $(jq -c '{type, stream, toxicity, attributes}' <<<"$TOXI_BODY")"
}

proxy_clear() {
  proxy_node "clear NODE" "$@"
  local node=$1 name n=0
  proxy_server_need "$node"
  toxi GET "/proxies/$node/toxics"
  toxi_proxy_check "listing the toxics of $node" "$node" 200
  for name in $(jq -r '.[].name' <<<"$TOXI_BODY"); do
    toxi DELETE "/proxies/$node/toxics/$name"
    # 404: removed meanwhile by someone else; the goal is reached all the same
    toxi_check "removing toxic $name from $node" 204 404
    n=$((n + 1))
  done
  info "proxy $node: $n toxic(s) removed"
}

# proxy_enable NODE true|false: `cut` and `restore`
proxy_enable() {
  local enabled=$1 verb
  shift
  if [ "$enabled" = true ]; then verb=restore; else verb=cut; fi
  proxy_node "$verb NODE" "$@"
  local node=$1
  proxy_server_need "$node"
  toxi POST "/proxies/$node" "{\"enabled\": $enabled}"
  toxi_proxy_check "$verb proxy $node" "$node" 200
  if [ "$enabled" = true ]; then
    info "proxy $node restored: accepting connections on $(jq -r .listen <<<"$TOXI_BODY")"
  else
    info "proxy $node cut: its connections are closed and new ones refused"
  fi
}

proxy_list() {
  if ! node_running "$TOXIPROXY"; then
    info "no toxiproxy server runs for the network at base $BASE"
    echo '{}'
    return 0
  fi
  toxi GET /proxies
  toxi_check "listing the proxies" 200
  jq . <<<"$TOXI_BODY"
}

proxy_remove() {
  proxy_node "remove NODE" "$@"
  local node=$1
  if ! node_running "$TOXIPROXY"; then
    info "no toxiproxy server runs; no proxy for $node"
    return 0
  fi
  toxi DELETE "/proxies/$node"
  if [ "$TOXI_STATUS" = 404 ]; then
    info "no proxy for $node"
    return 0
  fi
  toxi_check "removing the proxy for $node" 204
  info "proxy $node removed (its connections are closed)"
}

cmd_proxy() {
  local sub=${1:-}
  [ $# -eq 0 ] || shift
  case "$sub" in
    add) proxy_add "$@" ;;
    toxic) proxy_toxic "$@" ;;
    clear) proxy_clear "$@" ;;
    cut) proxy_enable false "$@" ;;
    restore) proxy_enable true "$@" ;;
    list) proxy_list ;;
    remove) proxy_remove "$@" ;;
    *) die "usage: net proxy add|toxic|clear|cut|restore|list|remove ... ('net help' describes them)" ;;
  esac
}
