# Sourced by tests/network/net. The network's shape: node names, hosts and ports.
#
# Ports are offsets from a base (default 27000), so two networks can run side by side:
#   orderer0..2   base+0, +10, +20      (listen; admin +1; operations +2)
#   peer0.org1    base+100               (listen; chaincode +1; operations +2)
#   peer1.org1    base+110
#   peer0.org2    base+120
#   peer1.org2    base+130
#   ca.org1       base+200               (listen; operations +2)
#   ca.org2       base+210
#   chaincode     base+300               (the CCaaS server every peer dials)
#   toxiproxy     base+390               (API of the fault-injecting proxy server, `net proxy`)
#   NODE's proxy  NODE's listen port + 5 (e.g. peer0.org1 base+105, orderer2 base+25)
# Every slot is a multiple of 10 and uses offsets +0..+3, so +5 is free for every node, and the
# proxy ports stay inside the network's own base..base+399 block: networks whose bases are 400
# or more apart (as most test suites place them) never meet.
# GM variant (FABWEAVE_FABRIC_VERSION=gm-*): no CAs; each orderer has a separate TLS cluster
# listener at +3, because its client listener runs without TLS.

CHANNEL=mychannel
ORDERERS=(orderer0 orderer1 orderer2)
PEERS=(peer0.org1 peer1.org1 peer0.org2 peer1.org2)
CAS=(ca.org1 ca.org2)
# fabric-ca-server is upstream Fabric CA and cannot issue SM2 certificates
if [ "${GM:-false}" = true ]; then CAS=(); fi
ORGS=(org1 org2)
# chaincode name -> endorsement policy ("" = the channel default, MAJORITY Endorsement: both orgs)
CC_NAMES=(kv kv_or kv_and)
declare -A CC_POLICY=(
  [kv]=""
  [kv_or]="OR('Org1MSP.peer','Org2MSP.peer')"
  [kv_and]="AND('Org1MSP.peer','Org2MSP.peer')"
)
CC_LABEL=kvcc_1

all_nodes() { echo "${ORDERERS[@]}" "${PEERS[@]}" "${CAS[@]}" chaincode; }

# node_port NODE [listen|admin|chaincode|ops|cluster]
node_port() {
  local node=$1 what=${2:-listen} slot off
  case "$node" in
    orderer0) slot=0 ;; orderer1) slot=10 ;; orderer2) slot=20 ;;
    peer0.org1) slot=100 ;; peer1.org1) slot=110 ;; peer0.org2) slot=120 ;; peer1.org2) slot=130 ;;
    ca.org1) slot=200 ;; ca.org2) slot=210 ;;
    chaincode) slot=300 ;;
    *) die "unknown node '$node' (nodes: $(all_nodes))" ;;
  esac
  case "$what" in listen) off=0 ;; admin | chaincode) off=1 ;; ops) off=2 ;; cluster) off=3 ;; *) die "bad port kind $what" ;; esac
  echo $((BASE + slot + off))
}

# proxy_port NODE: where `net proxy add NODE` listens (see the table above)
proxy_port() {
  local p
  p=$(node_port "$1") || exit 1
  echo $((p + 5))
}
proxy_api_port() { echo $((BASE + 390)); }

node_kind() {
  case "$1" in
    orderer[0-9]) echo orderer ;;
    peer[0-9].org[0-9]) echo peer ;;
    ca.org[0-9]) echo ca ;;
    chaincode) echo chaincode ;;
    *) die "unknown node '$1' (nodes: $(all_nodes))" ;;
  esac
}

# peer0.org1 -> org1; ca.org2 -> org2
node_org() {
  case "$1" in
    orderer*) echo orderer ;;
    chaincode) echo - ;;
    *) echo "${1#*.}" ;;
  esac
}
org_msp() { case "$1" in org1) echo Org1MSP ;; org2) echo Org2MSP ;; orderer) echo OrdererMSP ;; esac; }
org_title() { case "$1" in org1) echo Org1 ;; org2) echo Org2 ;; esac; }
node_host() {
  case "$(node_kind "$1")" in
    orderer) echo "$1.example.com" ;;
    peer | ca) echo "$1.example.com" ;;
    chaincode) echo 127.0.0.1 ;;
  esac
}
# crypto material folder of a node (cryptogen layout)
node_crypto() {
  case "$(node_kind "$1")" in
    orderer) echo "$NET_HOME/crypto/ordererOrganizations/example.com/orderers/$1.example.com" ;;
    peer) echo "$NET_HOME/crypto/peerOrganizations/$(node_org "$1").example.com/peers/$1.example.com" ;;
  esac
}
org_crypto() {
  case "$1" in
    orderer) echo "$NET_HOME/crypto/ordererOrganizations/example.com" ;;
    *) echo "$NET_HOME/crypto/peerOrganizations/$1.example.com" ;;
  esac
}
