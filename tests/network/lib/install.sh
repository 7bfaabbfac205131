# Sourced by tests/network/net. Installs pinned Fabric and Fabric CA binaries (and toxiproxy, for
# `net proxy`) with the go command from the Go module proxy into a cache folder, and copies
# Fabric's sampleconfig next to them.
# Skips all work when the cached binaries already report the wanted version.

# Pinned releases. Fabric's tags cannot be used as module versions (its module path has no /v2
# suffix), so Fabric is pinned by the pseudo-version of its release commit. The default is the
# newest Fabric 2.5 release that the Go module proxy reachable from these machines serves (it
# refuses the 2.5.1x and 3.x commits); the others are kept for machines that can reach them.
fabric_module_version() {
  case "$1" in
    2.5.0) echo v1.4.0-rc1.0.20230401164317-bd8e24856939 ;;
    2.5.16) echo v1.4.0-rc1.0.20260617221605-f871cf92a026 ;;
    3.1.5) echo v1.4.0-rc1.0.20260618074816-86c1172bec37 ;;
    gm-2.4.3) echo v0.0.2 ;; # github.com/hxx258456/fabric-gm (OSCCA SM2/SM3 fork), see install_fabric_gm
    *) return 1 ;;
  esac
}
FABRIC_CA_VERSION=1.5.21

# go_build_pinned DIR MODULE VERSION LDFLAGS CGO TAGS PKG... : builds PKGs of MODULE@VERSION into DIR/bin.
# `go install pkg@version` cannot be used: it asks the proxy for every prefix of the package path
# as a module, and this proxy answers 403 (not 404) for those, which the go command treats as
# fatal. A throw-away main module that requires MODULE@VERSION resolves packages locally instead.
go_build_pinned() {
  local dir=$1 module=$2 version=$3 ldflags=$4 cgo=$5 tags=$6 log=$7
  shift 7
  local mod=$dir/build-module
  rm -rf "$mod"
  mkdir -p "$mod" "$dir/bin"
  printf 'module fabweave.local/netbin\n\ngo 1.20\n\nrequire %s %s\n' "$module" "$version" >"$mod/go.mod"
  (cd "$mod" && CGO_ENABLED=$cgo GOFLAGS="-mod=mod -buildvcs=false" \
    go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$dir/bin/" "$@") >>"$log" 2>&1
}

# install_fabric VERSION -> sets FABRIC_BIN and FABRIC_SAMPLECONFIG
install_fabric() {
  local version=$1 modver dir log
  modver=$(fabric_module_version "$version") || die "unknown Fabric version '$version' (supported: 2.5.0, 2.5.16, 3.1.5, gm-2.4.3)"
  case "$version" in gm-*) install_fabric_gm "$version" "$modver"; return ;; esac
  dir=$CACHE_DIR/fabric-$version
  FABRIC_BIN=$dir/bin
  FABRIC_SAMPLECONFIG=$dir/config
  log=$CACHE_DIR/install-fabric-$version.log
  if [ -x "$FABRIC_BIN/peer" ] && [ -f "$FABRIC_SAMPLECONFIG/core.yaml" ] \
    && env -u FABRIC_LOGGING_SPEC -u FABRIC_CFG_PATH "$FABRIC_BIN/peer" version 2>/dev/null | grep -Eq "Version: ${version//./\\.}(,|$)" \
    && [ -x "$FABRIC_BIN/orderer" ] && [ -x "$FABRIC_BIN/configtxgen" ] \
    && [ -x "$FABRIC_BIN/cryptogen" ] && [ -x "$FABRIC_BIN/osnadmin" ]; then
    return 0
  fi
  need_go
  mkdir -p "$dir"
  : >"$log"
  local m=github.com/hyperledger/fabric commit=${modver##*-}
  if ! go mod download -json "$m@$modver" >"$dir/module.json" 2>>"$log" \
    || [ -n "$(jq -r '.Error // empty' "$dir/module.json")" ]; then
    die "the Go module proxy did not serve $m@$modver (Fabric $version): $(jq -r '.Error // empty' "$dir/module.json" 2>/dev/null | head -c 300); log: $log"
  fi
  info "building Fabric $version (commit $commit) from the Go module proxy; log: $log"
  local ldf="-X $m/common/metadata.Version=$version -X $m/common/metadata.CommitSHA=${commit:0:7}"
  go_build_pinned "$dir" "$m" "$modver" "$ldf" 0 "" "$log" \
    "$m/cmd/peer" "$m/cmd/orderer" "$m/cmd/configtxgen" "$m/cmd/cryptogen" "$m/cmd/osnadmin" \
    || die "building Fabric $version failed; read $log"
  local src
  src=$(jq -r .Dir "$dir/module.json")
  [ -f "$src/sampleconfig/core.yaml" ] || die "no sampleconfig in $src; read $log"
  rm -rf "$FABRIC_SAMPLECONFIG"
  mkdir -p "$FABRIC_SAMPLECONFIG"
  cp "$src/sampleconfig/core.yaml" "$src/sampleconfig/orderer.yaml" "$src/sampleconfig/configtx.yaml" "$FABRIC_SAMPLECONFIG/"
  chmod u+w "$FABRIC_SAMPLECONFIG"/*
  env -u FABRIC_LOGGING_SPEC -u FABRIC_CFG_PATH "$FABRIC_BIN/peer" version 2>/dev/null | grep -Eq "Version: ${version//./\\.}(,|$)" \
    || die "the built peer does not report version $version; read $log"
}

# The GM (OSCCA SM2/SM3/SM4) variant: hxx258456/fabric-gm, a Fabric fork (its go.mod says
# "2.4.3"; its orderer has no channel participation API and its peer no Gateway service) built on
# zhaochuninhefei's GM work, crypto from github.com/hxx258456/ccgo. Its go.mod needs replaces that
# `go install` cannot honour, so it is built in a main module of our own. The fork's zclog logger
# writes to stdout (and every binary prints three DEBUG lines at start), which would spoil the
# peer CLI's output; the build uses a copy of that logger patched to write to stderr, without them.
GM_FABRIC_MODULE=github.com/hxx258456/fabric-gm
GM_ZCGOLOG=github.com/xiazeyin/zcgolog@v0.0.0-20220524064633-5ef357e6e1b9

# install_fabric_gm VERSION MODVER -> sets FABRIC_BIN and FABRIC_SAMPLECONFIG
install_fabric_gm() {
  local version=$1 modver=$2 m=$GM_FABRIC_MODULE dir log
  dir=$CACHE_DIR/fabric-$version
  FABRIC_BIN=$dir/bin
  FABRIC_SAMPLECONFIG=$dir/config
  log=$CACHE_DIR/install-fabric-$version.log
  if [ -x "$FABRIC_BIN/peer" ] && [ -f "$FABRIC_SAMPLECONFIG/core.yaml" ] \
    && env -u FABRIC_LOGGING_SPEC -u FABRIC_CFG_PATH "$FABRIC_BIN/peer" version 2>/dev/null | grep -Eq "Version: ${version//./\\.}(,|$)" \
    && [ -x "$FABRIC_BIN/orderer" ] && [ -x "$FABRIC_BIN/configtxgen" ] && [ -x "$FABRIC_BIN/cryptogen" ]; then
    return 0
  fi
  need_go
  mkdir -p "$dir"
  : >"$log"
  local json
  for json in "$m@$modver:module.json" "$GM_ZCGOLOG:zcgolog.json"; do
    if ! go mod download -json "${json%:*}" >"$dir/${json##*:}" 2>>"$log" \
      || [ -n "$(jq -r '.Error // empty' "$dir/${json##*:}")" ]; then
      die "the Go module proxy did not serve ${json%:*} (Fabric $version): $(jq -r '.Error // empty' "$dir/${json##*:}" 2>/dev/null | head -c 300); log: $log"
    fi
  done
  info "building Fabric $version ($m@$modver) from the Go module proxy; log: $log"
  local mod=$dir/build-module
  rm -rf "$mod"
  mkdir -p "$mod" "$dir/bin"
  cp -r "$(jq -r .Dir "$dir/zcgolog.json")" "$mod/zcgolog"
  chmod -R u+w "$mod/zcgolog"
  sed -i 's/os\.Stdout/os.Stderr/g' "$mod"/zcgolog/zclog/*.go
  # and silence the three DEBUG lines that cmd.CheckZclogLevelFromOsArgs forces out at every start
  printf 'package zclog\n\nfunc init() {\n\tlogLevelCtl["%s/cmd.CheckZclogLevelFromOsArgs"] = LOG_LEVEL_INFO\n}\n' "$m" \
    >"$mod/zcgolog/zclog/fabweave_quiet.go"
  cat >"$mod/go.mod" <<GOMOD
module fabweave.local/netbin-gm

go 1.20

require $m $modver

replace (
	github.com/go-kit/kit => github.com/go-kit/kit v0.8.0
	github.com/mitchellh/mapstructure => github.com/mitchellh/mapstructure v1.3.3
	github.com/spf13/viper => github.com/spf13/viper v0.0.0-20150908122457-1967d93db724
	go.etcd.io/etcd => go.etcd.io/etcd v0.5.0-alpha.5.0.20181228115726-23731bf9ba55
)

replace gitee.com/zhaochuninhefei/zcgolog => ./zcgolog
GOMOD
  # go.sum of a build that worked, so the checksums are pinned
  [ -f "$NET_DIR/gm/go.sum" ] && cp "$NET_DIR/gm/go.sum" "$mod/go.sum"
  local ldf="-X $m/common/metadata.Version=$version -X $m/common/metadata.CommitSHA=$modver"
  (cd "$mod" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
    go build -trimpath -ldflags "$ldf" -o "$dir/bin/" \
    "$m/cmd/peer" "$m/cmd/orderer" "$m/cmd/configtxgen" "$m/cmd/cryptogen") >>"$log" 2>&1 \
    || die "building Fabric $version failed; read $log"
  local src
  src=$(jq -r .Dir "$dir/module.json")
  [ -f "$src/sampleconfig/core.yaml" ] || die "no sampleconfig in $src; read $log"
  rm -rf "$FABRIC_SAMPLECONFIG"
  mkdir -p "$FABRIC_SAMPLECONFIG"
  cp "$src/sampleconfig/core.yaml" "$src/sampleconfig/orderer.yaml" "$src/sampleconfig/configtx.yaml" "$FABRIC_SAMPLECONFIG/"
  chmod u+w "$FABRIC_SAMPLECONFIG"/*
  env -u FABRIC_LOGGING_SPEC -u FABRIC_CFG_PATH "$FABRIC_BIN/peer" version 2>/dev/null | grep -Eq "Version: ${version//./\\.}(,|$)" \
    || die "the built peer does not report version $version; read $log"
}

# install_fabric_ca -> sets FABRIC_CA_BIN
install_fabric_ca() {
  local dir=$CACHE_DIR/fabric-ca-$FABRIC_CA_VERSION log
  FABRIC_CA_BIN=$dir/bin
  # fabric-ca-server is upstream (ECDSA/RSA only): it cannot issue or verify the GM network's SM2
  # certificates, so the GM variant runs without CAs.
  [ "${GM:-false}" = true ] && return 0
  log=$CACHE_DIR/install-fabric-ca-$FABRIC_CA_VERSION.log
  if [ -x "$FABRIC_CA_BIN/fabric-ca-server" ] && [ -x "$FABRIC_CA_BIN/fabric-ca-client" ] \
    && env -u FABRIC_CA_SERVER_HOME "$FABRIC_CA_BIN/fabric-ca-server" version 2>/dev/null | grep -q "Version: $FABRIC_CA_VERSION"; then
    return 0
  fi
  need_go
  command -v gcc >/dev/null || die "fabric-ca-server needs cgo and a C compiler (for SQLite); install gcc"
  mkdir -p "$dir"
  : >"$log"
  info "building Fabric CA $FABRIC_CA_VERSION from the Go module proxy; log: $log"
  local m=github.com/hyperledger/fabric-ca
  local ldf="-X $m/lib/metadata.Version=$FABRIC_CA_VERSION"
  go_build_pinned "$dir" "$m" "v$FABRIC_CA_VERSION" "$ldf" 1 "" "$log" "$m/cmd/fabric-ca-server" \
    || die "building fabric-ca-server $FABRIC_CA_VERSION failed; read $log"
  go_build_pinned "$dir" "$m" "v$FABRIC_CA_VERSION" "$ldf" 0 caclient "$log" "$m/cmd/fabric-ca-client" \
    || die "building fabric-ca-client $FABRIC_CA_VERSION failed; read $log"
}

# Shopify's toxiproxy: a TCP proxy with a small HTTP API that injects network faults (latency,
# bandwidth, `timeout` = stop forwarding, `reset_peer`, `slicer`, `limit_data`) between a client
# and one node; `net proxy` drives it. Unlike Fabric, its module path carries the /v2 suffix, so
# `go install pkg@version` resolves it directly; go_build_pinned is the fallback for a module proxy
# that answers 403 for the package-path prefixes (see there). The binary is cmd/server, renamed.
TOXIPROXY_VERSION=2.5.0

# install_toxiproxy -> sets TOXIPROXY_BIN (the toxiproxy-server executable)
install_toxiproxy() {
  local dir=$CACHE_DIR/toxiproxy-$TOXIPROXY_VERSION log
  local m=github.com/Shopify/toxiproxy/v2
  TOXIPROXY_BIN=$dir/bin/toxiproxy-server
  log=$CACHE_DIR/install-toxiproxy-$TOXIPROXY_VERSION.log
  # The version is stamped at build time (it says "git" otherwise), so it also proves the pin.
  if [ -x "$TOXIPROXY_BIN" ] && "$TOXIPROXY_BIN" -version 2>/dev/null | grep -qx "toxiproxy-server version $TOXIPROXY_VERSION"; then
    return 0
  fi
  command -v go >/dev/null || die "Go is required to build toxiproxy $TOXIPROXY_VERSION (go install $m/cmd/server@v$TOXIPROXY_VERSION); none on PATH"
  mkdir -p "$dir/bin"
  : >"$log"
  info "building toxiproxy $TOXIPROXY_VERSION from the Go module proxy; log: $log"
  local ldf="-X $m.Version=$TOXIPROXY_VERSION"
  rm -f "$dir/bin/server"
  if ! (cd "$dir" && CGO_ENABLED=0 GOBIN=$dir/bin GOFLAGS=-buildvcs=false \
    go install -trimpath -ldflags "$ldf" "$m/cmd/server@v$TOXIPROXY_VERSION") >>"$log" 2>&1; then
    info "go install of toxiproxy failed; retrying in a throw-away main module (log: $log)"
    go_build_pinned "$dir" "$m" "v$TOXIPROXY_VERSION" "$ldf" 0 "" "$log" "$m/cmd/server" \
      || die "building toxiproxy $TOXIPROXY_VERSION failed; read $log"
  fi
  [ -x "$dir/bin/server" ] || die "the toxiproxy build left no $dir/bin/server; read $log"
  # rename atomically, so a concurrent `net` never sees a half-written toxiproxy-server
  mv -f "$dir/bin/server" "$TOXIPROXY_BIN"
  "$TOXIPROXY_BIN" -version 2>/dev/null | grep -qx "toxiproxy-server version $TOXIPROXY_VERSION" \
    || die "the built toxiproxy-server does not report version $TOXIPROXY_VERSION; read $log"
}

need_go() {
  command -v go >/dev/null || die "Go is required to install Fabric (go 1.26.4 or newer); none on PATH"
  local v
  v=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
  case "$v" in
    1.2[6-9]* | 1.[3-9]* | [2-9].*) ;;
    *) info "go $v is older than 1.26.4; relying on GOTOOLCHAIN=auto to fetch a newer toolchain" ;;
  esac
}
