# Sourced by tests/network/net. Starting, watching and stopping node processes by PID.

pid_file() { echo "$NET_HOME/run/$1.pid"; }
log_file() { echo "$NET_HOME/logs/$1.log"; }

node_pid() {
  local f
  f=$(pid_file "$1")
  [ -f "$f" ] || return 1
  local pid
  pid=$(cat "$f")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A killed node stays a zombie until its parent (init, after setsid) reaps it, which took over
  # half a second here after a SIGKILL; kill -0 still succeeds on it, so `start` would say
  # "already running".
  case "$(ps -o stat= -p "$pid" 2>/dev/null)" in Z*) return 1 ;; esac
  echo "$pid"
}

node_running() { node_pid "$1" >/dev/null; }

# start_node NODE: runs run/NODE.sh detached, records its PID.
start_node() {
  local node=$1 pid
  node_running "$node" && return 0
  [ -x "$NET_HOME/run/$node.sh" ] || die "no launcher for $node at $NET_HOME/run/$node.sh; run 'up' first"
  # The log is appended to across restarts; remember where this run's part begins, so that
  # questions about the running process (has it seen a Raft leader?) read only its own lines.
  stat -c %s "$(log_file "$node")" 2>/dev/null >"$NET_HOME/run/$node.logpos" || echo 0 >"$NET_HOME/run/$node.logpos"
  # setsid: the node outlives this script and is not hit by a terminal's signals. The launcher
  # execs the binary, so the PID recorded is the node's own.
  setsid "$NET_HOME/run/$node.sh" >>"$(log_file "$node")" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$(pid_file "$node")"
}

# log_since_start NODE: the part of NODE's log written since its last start (the whole log for a
# node started before start_node recorded the position), colour codes removed.
log_since_start() {
  local node=$1 log pos=0
  log=$(log_file "$node")
  [ -f "$log" ] || return 0
  [ -f "$NET_HOME/run/$node.logpos" ] && pos=$(cat "$NET_HOME/run/$node.logpos")
  tail -c +$((${pos:-0} + 1)) "$log" | sed 's/\x1b\[[0-9;]*m//g'
}

# stop_node NODE: SIGTERM, then SIGKILL after 10 s. Returns once the process is gone.
stop_node() {
  local node=$1 pid
  pid=$(node_pid "$node") || { rm -f "$(pid_file "$node")"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    info "$node (pid $pid) ignored SIGTERM for 10 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$(pid_file "$node")" "$NET_HOME/run/$node.logpos"
}

stop_all() {
  local node
  [ -d "$NET_HOME/run" ] || return 0
  for f in "$NET_HOME"/run/*.pid; do
    [ -e "$f" ] || continue
    node=$(basename "$f" .pid)
    stop_node "$node" &
  done
  wait
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# node_ready NODE: one readiness probe, no waiting.
node_ready() {
  local node=$1
  case "$(node_kind "$node")" in
    orderer | peer | ca)
      [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$(node_port "$node" ops)/healthz")" = 200 ]
      ;;
    chaincode) port_in_use "$(node_port chaincode)" ;;
  esac
}

# wait_ready NODE...: polls each node until ready; fails fast if one dies, after 60 s otherwise.
wait_ready() {
  local deadline=$((SECONDS + 60)) node pending=("$@") next
  while [ ${#pending[@]} -gt 0 ]; do
    next=()
    for node in "${pending[@]}"; do
      node_running "$node" || die "$node exited during start; read $(log_file "$node")"
      node_ready "$node" || next+=("$node")
    done
    pending=("${next[@]+"${next[@]}"}")
    [ ${#pending[@]} -eq 0 ] && break
    [ $SECONDS -lt $deadline ] || die "${pending[0]} not healthy after 60 s; read $(log_file "${pending[0]}")"
    sleep 0.1
  done
}
