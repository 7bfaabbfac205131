# Sourced by tests/network/net. Generates crypto material, channel genesis block, node launchers.

write_crypto_config() {
  cat >"$NET_HOME/config/crypto-config.yaml" <<YAML
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    EnableNodeOUs: true
    Specs:
      - {Hostname: orderer0, SANS: [127.0.0.1, localhost]}
      - {Hostname: orderer1, SANS: [127.0.0.1, localhost]}
      - {Hostname: orderer2, SANS: [127.0.0.1, localhost]}
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template: {Count: 2, SANS: [127.0.0.1, localhost]}
    Users: {Count: 1}
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: true
    Template: {Count: 2, SANS: [127.0.0.1, localhost]}
    Users: {Count: 1}
YAML
}

# peer_org_yaml N: OrgN's entry in configtx.yaml (MSP, policies, anchor peer peer0).
peer_org_yaml() {
  local n=$1 msp=Org$1MSP
  cat <<YAML
  - &Org$n
    Name: $msp
    ID: $msp
    MSPDir: $NET_HOME/crypto/peerOrganizations/org$n.example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('$msp.admin', '$msp.peer', '$msp.client')"}
      Writers: {Type: Signature, Rule: "OR('$msp.admin', '$msp.client')"}
      Admins: {Type: Signature, Rule: "OR('$msp.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('$msp.peer')"}
    AnchorPeers:
      - {Host: 127.0.0.1, Port: $(node_port "peer0.org$n")}
YAML
}

write_configtx() {
  local c=$NET_HOME/crypto o0 o1 o2 raft=listen app_cap=V2_5
  # GM: the fork is Fabric 2.4-based (no V2_5 capability) and its Raft traffic has its own TLS
  # listener, the client listener being plaintext.
  if [ "$GM" = true ]; then raft=cluster app_cap=V2_0; fi
  o0=$(node_crypto orderer0)/tls/server.crt
  o1=$(node_crypto orderer1)/tls/server.crt
  o2=$(node_crypto orderer2)/tls/server.crt
  # FABWEAVE_NET_SNAPSHOT_INTERVAL sets SnapshotIntervalSize (a size configtxgen reads, e.g.
  # "16 KB"): a small one makes the orderers snapshot every few blocks, so restarts right after a
  # snapshot (a follower then catches up from it by pulling blocks) can be tested.
  cat >"$NET_HOME/config/configtx.yaml" <<YAML
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: OrdererMSP
    MSPDir: $c/ordererOrganizations/example.com/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Writers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Admins: {Type: Signature, Rule: "OR('OrdererMSP.admin')"}
    OrdererEndpoints:
      - 127.0.0.1:$(node_port orderer0)
      - 127.0.0.1:$(node_port orderer1)
      - 127.0.0.1:$(node_port orderer2)
$(peer_org_yaml 1)
$(peer_org_yaml 2)

Capabilities:
  Channel: &ChannelCapabilities {V2_0: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {$app_cap: true}

Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
    Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
  Capabilities:
    <<: *ApplicationCapabilities

Orderer: &OrdererDefaults
  OrdererType: etcdraft
  EtcdRaft:
    Consenters:
      - {Host: 127.0.0.1, Port: $(node_port orderer0 $raft), ClientTLSCert: $o0, ServerTLSCert: $o0}
      - {Host: 127.0.0.1, Port: $(node_port orderer1 $raft), ClientTLSCert: $o1, ServerTLSCert: $o1}
      - {Host: 127.0.0.1, Port: $(node_port orderer2 $raft), ClientTLSCert: $o2, ServerTLSCert: $o2}
    Options:
      TickInterval: 500ms
      ElectionTick: 10
      HeartbeatTick: 1
      MaxInflightBlocks: 5
      SnapshotIntervalSize: ${FABWEAVE_NET_SNAPSHOT_INTERVAL:-16 MB}
  BatchTimeout: ${FABWEAVE_NET_BATCH_TIMEOUT:-250ms}
  BatchSize:
    MaxMessageCount: 500
    AbsoluteMaxBytes: 99 MB
    PreferredMaxBytes: 2 MB
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
  Capabilities:
    <<: *OrdererCapabilities

Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities:
    <<: *ChannelCapabilities

Profiles:
  TwoOrgsRaft:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1, *Org2]
YAML
  gm_profiles_yaml >>"$NET_HOME/config/configtx.yaml"
}

# GM: the fork's orderer has no channel participation API, so it boots from a system channel
# (TwoOrgsSystem) and mychannel is created with a channel creation transaction (TwoOrgsChannel).
gm_profiles_yaml() {
  [ "$GM" = true ] || return 0
  cat <<YAML
  TwoOrgsSystem:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
    Consortiums:
      SampleConsortium:
        Organizations: [*Org1, *Org2]
  TwoOrgsChannel:
    <<: *ChannelDefaults
    Consortium: SampleConsortium
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1, *Org2]
YAML
}

# GM: system channel genesis block (orderers boot from it), mychannel's creation transaction and
# one anchor peer update per org.
write_gm_channel_artifacts() {
  local log=$NET_HOME/logs/configtxgen.log org
  {
    FABRIC_CFG_PATH=$NET_HOME/config "$FABRIC_BIN/configtxgen" -profile TwoOrgsSystem -channelID system-channel \
      -outputBlock "$NET_HOME/channel/system.block" \
      && FABRIC_CFG_PATH=$NET_HOME/config "$FABRIC_BIN/configtxgen" -profile TwoOrgsChannel -channelID "$CHANNEL" \
        -outputCreateChannelTx "$NET_HOME/channel/$CHANNEL.tx"
  } >"$log" 2>&1 || die "configtxgen failed; read $log"
  for org in "${ORGS[@]}"; do
    FABRIC_CFG_PATH=$NET_HOME/config "$FABRIC_BIN/configtxgen" -profile TwoOrgsChannel -channelID "$CHANNEL" \
      -outputAnchorPeersUpdate "$NET_HOME/channel/$(org_msp "$org")-anchors.tx" -asOrg "$(org_msp "$org")" >>"$log" 2>&1 \
      || die "configtxgen (anchor peers of $org) failed; read $log"
  done
}

# The CA servers' TLS certificates, issued by the org's TLS CA (as the peers' are), so one TLS
# root per org verifies peers and CA alike.
make_ca_tls() {
  local org=$1 dir=$NET_HOME/ca-tls/$1 tlsca
  tlsca=$(org_crypto "$org")/tlsca
  mkdir -p "$dir"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/server.key" 2>/dev/null
  openssl req -new -key "$dir/server.key" -subj "/C=US/O=$org.example.com/CN=ca.$org.example.com" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:ca.%s.example.com,DNS:localhost,IP:127.0.0.1\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n' "$org" >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/server.csr" -CA "$tlsca/tlsca.$org.example.com-cert.pem" -CAkey "$tlsca/priv_sk" \
    -CAcreateserial -CAserial "$dir/serial" -days 3650 -sha256 -extfile "$dir/ext.cnf" -out "$dir/server.crt" 2>/dev/null \
    || die "openssl could not issue the TLS certificate of ca.$org"
}

# Launchers: one small script per node that sets its environment and execs the binary.
write_launchers() {
  local node org p d cfg=$NET_HOME/config
  mkdir -p "$NET_HOME/run"
  for node in "${ORDERERS[@]}"; do
    p=$(node_crypto "$node")
    d=$NET_HOME/data/$node
    if [ "$GM" = true ]; then
      write_gm_orderer_launcher "$node" "$p" "$d"
      continue
    fi
    cat >"$NET_HOME/run/$node.sh" <<SH
#!/usr/bin/env bash
export FABRIC_CFG_PATH=$cfg
export ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_LISTENPORT=$(node_port "$node")
export ORDERER_GENERAL_LOCALMSPID=OrdererMSP ORDERER_GENERAL_LOCALMSPDIR=$p/msp
export ORDERER_GENERAL_TLS_ENABLED=true ORDERER_GENERAL_TLS_PRIVATEKEY=$p/tls/server.key
export ORDERER_GENERAL_TLS_CERTIFICATE=$p/tls/server.crt ORDERER_GENERAL_TLS_ROOTCAS=[$p/tls/ca.crt]
export ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=$p/tls/server.crt ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=$p/tls/server.key
export ORDERER_GENERAL_CLUSTER_ROOTCAS=[$p/tls/ca.crt]
export ORDERER_GENERAL_BOOTSTRAPMETHOD=none ORDERER_CHANNELPARTICIPATION_ENABLED=true
export ORDERER_FILELEDGER_LOCATION=$d/ledger ORDERER_CONSENSUS_WALDIR=$d/etcdraft/wal ORDERER_CONSENSUS_SNAPDIR=$d/etcdraft/snap
export ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:$(node_port "$node" ops) ORDERER_ADMIN_LISTENADDRESS=127.0.0.1:$(node_port "$node" admin)
export FABRIC_LOGGING_SPEC=\${FABRIC_LOGGING_SPEC:-info}
exec $FABRIC_BIN/orderer
SH
  done
  for node in "${PEERS[@]}"; do
    p=$(node_crypto "$node")
    d=$NET_HOME/data/$node
    org=$(node_org "$node")
    local buddy
    case "$node" in peer0.*) buddy=peer1.$org ;; *) buddy=peer0.$org ;; esac
    cat >"$NET_HOME/run/$node.sh" <<SH
#!/usr/bin/env bash
export FABRIC_CFG_PATH=$cfg
export CORE_PEER_ID=$node.example.com CORE_PEER_LOCALMSPID=$(org_msp "$org") CORE_PEER_MSPCONFIGPATH=$p/msp
export CORE_PEER_LISTENADDRESS=127.0.0.1:$(node_port "$node") CORE_PEER_ADDRESS=127.0.0.1:$(node_port "$node")
export CORE_PEER_CHAINCODELISTENADDRESS=127.0.0.1:$(node_port "$node" chaincode) CORE_PEER_CHAINCODEADDRESS=127.0.0.1:$(node_port "$node" chaincode)
export CORE_PEER_GOSSIP_BOOTSTRAP=127.0.0.1:$(node_port "$buddy") CORE_PEER_GOSSIP_EXTERNALENDPOINT=127.0.0.1:$(node_port "$node")
export CORE_PEER_TLS_ENABLED=$(node_tls) CORE_PEER_TLS_CERT_FILE=$p/tls/server.crt CORE_PEER_TLS_KEY_FILE=$p/tls/server.key
export CORE_PEER_TLS_ROOTCERT_FILE=$p/tls/ca.crt
export CORE_PEER_GATEWAY_ENABLED=$GATEWAY
export CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:$(node_port "$node" ops)
export CORE_PEER_FILESYSTEMPATH=$d CORE_LEDGER_SNAPSHOTS_ROOTDIR=$d/snapshots
$( [ "$GM" = true ] || echo "export CORE_CHAINCODE_EXTERNALBUILDERS=\"[{name: ccaas, path: $NET_DIR/builder}]\"")
export FABRIC_LOGGING_SPEC=\${FABRIC_LOGGING_SPEC:-info}
exec $FABRIC_BIN/peer node start
SH
  done
  for node in "${CAS[@]}"; do
    org=$(node_org "$node")
    local oc
    oc=$(org_crypto "$org")
    cat >"$NET_HOME/run/$node.sh" <<SH
#!/usr/bin/env bash
export FABRIC_CA_SERVER_CSR_HOSTS=ca.$org.example.com,localhost,127.0.0.1
export FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS=127.0.0.1:$(node_port "$node" ops)
exec $FABRIC_CA_BIN/fabric-ca-server start -b admin:adminpw --address 127.0.0.1 --port $(node_port "$node") \\
  -H $NET_HOME/data/$node --ca.name ca-$org \\
  --ca.certfile $oc/ca/ca.$org.example.com-cert.pem --ca.keyfile $oc/ca/priv_sk \\
  --tls.enabled --tls.certfile $NET_HOME/ca-tls/$org/server.crt --tls.keyfile $NET_HOME/ca-tls/$org/server.key
SH
  done
  chmod +x "$NET_HOME"/run/*.sh
}

# GM orderer: the client listener (peers, CLI, SDK) without TLS, as standard TLS stacks cannot
# speak the fork's GM TLS (SM2 certificates, signature scheme 0x0204, TLS_SM4_GCM_SM3); Raft
# between the orderers on a separate listener with GM TLS. Boots from the system channel block;
# channel participation is served by the operations listener in this fork (and is not wired up).
write_gm_orderer_launcher() {
  local node=$1 p=$2 d=$3
  cat >"$NET_HOME/run/$node.sh" <<SH
#!/usr/bin/env bash
export FABRIC_CFG_PATH=$NET_HOME/config
export ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_LISTENPORT=$(node_port "$node")
export ORDERER_GENERAL_LOCALMSPID=OrdererMSP ORDERER_GENERAL_LOCALMSPDIR=$p/msp
export ORDERER_GENERAL_TLS_ENABLED=false
export ORDERER_GENERAL_CLUSTER_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_CLUSTER_LISTENPORT=$(node_port "$node" cluster)
export ORDERER_GENERAL_CLUSTER_SERVERCERTIFICATE=$p/tls/server.crt ORDERER_GENERAL_CLUSTER_SERVERPRIVATEKEY=$p/tls/server.key
export ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=$p/tls/server.crt ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=$p/tls/server.key
export ORDERER_GENERAL_CLUSTER_ROOTCAS=[$p/tls/ca.crt]
export ORDERER_GENERAL_BOOTSTRAPMETHOD=file ORDERER_GENERAL_BOOTSTRAPFILE=$NET_HOME/channel/system.block
export ORDERER_FILELEDGER_LOCATION=$d/ledger ORDERER_CONSENSUS_WALDIR=$d/etcdraft/wal ORDERER_CONSENSUS_SNAPDIR=$d/etcdraft/snap
export ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:$(node_port "$node" ops)
export FABRIC_LOGGING_SPEC=\${FABRIC_LOGGING_SPEC:-info}
exec $FABRIC_BIN/orderer
SH
}

# true, or false on the GM network (plaintext peers and orderers)
node_tls() { if [ "$GM" = true ]; then echo false; else echo true; fi; }

# CLI flags for reaching an orderer: TLS with the orderer TLS CA, none on the GM network.
orderer_cli_args() {
  local node=$1
  [ "$GM" = true ] && return 0
  printf '%s\n' --tls --cafile "$(org_crypto orderer)/tlsca/tlsca.example.com-cert.pem" \
    --ordererTLSHostnameOverride "$node.example.com"
}

# Environment for the peer CLI acting as an org's admin against one peer; also written to
# env/NODE.env for tests and for people (`set -a; . env/peer0.org1.env`).
write_cli_envs() {
  local node org p
  mkdir -p "$NET_HOME/env"
  for node in "${PEERS[@]}"; do
    org=$(node_org "$node")
    p=$(node_crypto "$node")
    cat >"$NET_HOME/env/$node.env" <<ENV
PATH=$FABRIC_BIN:$PATH
FABRIC_CFG_PATH=$NET_HOME/config
FABRIC_LOGGING_SPEC=warn
CORE_PEER_TLS_ENABLED=$(node_tls)
CORE_PEER_LOCALMSPID=$(org_msp "$org")
CORE_PEER_ADDRESS=127.0.0.1:$(node_port "$node")
CORE_PEER_TLS_ROOTCERT_FILE=$p/tls/ca.crt
CORE_PEER_MSPCONFIGPATH=$(org_crypto "$org")/users/Admin@$org.example.com/msp
ORDERER_ADDRESS=127.0.0.1:$(node_port orderer0)
ORDERER_TLS_CA=$(org_crypto orderer)/tlsca/tlsca.example.com-cert.pem
ENV
  done
}

# peer_cli NODE ARGS...: the peer CLI as NODE's org admin, talking to NODE.
peer_cli() {
  local node=$1
  shift
  (set -a && . "$NET_HOME/env/$node.env" && set +a && exec "$FABRIC_BIN/peer" "$@")
}

# The chaincode package: a CCaaS package whose connection.json points at our chaincode server.
# Built byte-for-byte deterministically, so the package ID is stable for a given base port.
make_cc_package() {
  local dir=$NET_HOME/chaincode
  mkdir -p "$dir/src"
  printf '{"address":"127.0.0.1:%s","dial_timeout":"10s","tls_required":false}\n' "$(node_port chaincode)" >"$dir/src/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$CC_LABEL" >"$dir/src/metadata.json"
  local tarflags=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu)
  tar -C "$dir/src" "${tarflags[@]}" -cf - connection.json | gzip -n >"$dir/src/code.tar.gz"
  tar -C "$dir/src" "${tarflags[@]}" -cf - metadata.json code.tar.gz | gzip -n >"$dir/kvcc.tgz"
  if [ "$GM" = true ]; then
    # the GM fork's package ID hashes with SM3 (core/chaincode/persistence: util.ComputeSHA256ButSm3)
    CC_PACKAGE_ID=$CC_LABEL:$(openssl dgst -sm3 -r "$dir/kvcc.tgz" | cut -d' ' -f1)
    [ "${#CC_PACKAGE_ID}" -eq $((${#CC_LABEL} + 65)) ] || die "openssl could not compute the SM3 package ID (needs OpenSSL with SM3)"
  else
    CC_PACKAGE_ID=$CC_LABEL:$(sha256sum "$dir/kvcc.tgz" | cut -d' ' -f1)
  fi
  echo "$CC_PACKAGE_ID" >"$dir/package-id"
}

build_chaincode() {
  local log=$NET_HOME/logs/chaincode-build.log
  CC_BIN=$CACHE_DIR/chaincode/kvcc
  mkdir -p "$CACHE_DIR/chaincode"
  (cd "$NET_DIR/chaincode" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -o "$CC_BIN" .) >"$log" 2>&1 \
    || die "building the test chaincode failed; read $log"
  cat >"$NET_HOME/run/chaincode.sh" <<SH
#!/usr/bin/env bash
export CHAINCODE_ID=$CC_PACKAGE_ID CHAINCODE_SERVER_ADDRESS=127.0.0.1:$(node_port chaincode)
exec $CC_BIN
SH
  chmod +x "$NET_HOME/run/chaincode.sh"
}
