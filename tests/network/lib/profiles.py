#!/usr/bin/env python3
"""Writes what users of this network download, and a manifest for tests.

For each peer org, under <home>/profiles/<org>/:
  connection-<org>.json / .yaml   common connection profile, as fabric-samples' test-network ships it
                                  (own org's peers and CA, PEMs inline, no channels or orderers)
  bcs/                            a fabric-sdk-go config.yaml shaped like a Huawei BCS download:
    <org>-sdk-config.yaml / .json       org admin's certificates (cryptoPath -> <org>.peer/msp)
    <org>-user-sdk-config.yaml / .json  User1's certificates (cryptoPath -> <org>.user/msp)
    <org>.peer/ <org>.user/             msp/{admincerts,cacerts,keystore/<uuid>_sk,signcerts/cert.pem,
                                        tlscacerts} and tls/{ca.crt,server.crt,server.key}
    <other>.peer/msp/ orderer.orderer/msp/   CA and TLS CA certificates only
And <home>/network.json: every node's address, TLS name and TLS CA file, the orgs' identities and
profile paths, the chaincode names with their policies.

Usage: profiles.py HOME BASE GATEWAY FABRIC_VERSION FABRIC_BIN PACKAGE_ID   (reads HOME/nodes.tsv)
"""
import json
import os
import re
import shutil
import sys
import uuid

HOME, BASE, GATEWAY, FABRIC_VERSION, FABRIC_BIN, PACKAGE_ID = sys.argv[1:7]
CHANNEL = "mychannel"
CC_POLICIES = {
    "kv": "MAJORITY Endorsement",
    "kv_or": "OR('Org1MSP.peer','Org2MSP.peer')",
    "kv_and": "AND('Org1MSP.peer','Org2MSP.peer')",
}
MSP = {"org1": "Org1MSP", "org2": "Org2MSP"}
TITLE = {"org1": "Org1", "org2": "Org2"}
CRYPTO = os.path.join(HOME, "crypto")


def org_dir(org):
    if org == "orderer":
        return os.path.join(CRYPTO, "ordererOrganizations", "example.com")
    return os.path.join(CRYPTO, "peerOrganizations", f"{org}.example.com")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def only_file(folder):
    names = [n for n in os.listdir(folder) if not n.startswith(".")]
    if len(names) != 1:
        raise SystemExit(f"profiles.py: expected one file in {folder}, found {names}")
    return os.path.join(folder, names[0])


# ---- nodes ---------------------------------------------------------------------------------------
nodes = []
with open(os.path.join(HOME, "nodes.tsv"), encoding="utf-8") as f:
    for line in f:
        name, kind, org, host, port, admin, ops = line.split()
        nodes.append(
            dict(name=name, kind=kind, org=org, host=host, port=int(port),
                 admin=int(admin) if admin != "-" else None, ops=int(ops) if ops != "-" else None)
        )
peers = [n for n in nodes if n["kind"] == "peer"]
orderers = [n for n in nodes if n["kind"] == "orderer"]
cas = [n for n in nodes if n["kind"] == "ca"]
ORGS = sorted({n["org"] for n in peers})
ORDERER_TLSCA = os.path.join(org_dir("orderer"), "tlsca", "tlsca.example.com-cert.pem")


def tlsca(org):
    return os.path.join(org_dir(org), "tlsca", f"tlsca.{org}.example.com-cert.pem")


def user_dir(org, user):
    return os.path.join(org_dir(org), "users", f"{user}@{org}.example.com")


# ---- a small YAML writer (stdlib only) -----------------------------------------------------------
PLAIN = re.compile(r"^[A-Za-z_/$.][A-Za-z0-9_./:@${}\-]*$")
RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if PLAIN.match(s) and s.lower() not in RESERVED and not s.endswith(":"):
        return s
    return json.dumps(s)


def to_yaml(value, indent=0):
    pad = " " * indent
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            key = scalar(k)
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{key}:")
                out.append(to_yaml(v, indent + 2))
            elif isinstance(v, str) and "\n" in v:
                out.append(f"{pad}{key}: |")
                out.extend(f"{pad}  {line}" for line in v.rstrip("\n").split("\n"))
            elif isinstance(v, dict):
                out.append(f"{pad}{key}: {{}}")
            elif isinstance(v, list):
                out.append(f"{pad}{key}: []")
            else:
                out.append(f"{pad}{key}: {scalar(v)}")
    else:
        for v in value:
            if isinstance(v, dict) and v:
                inner = to_yaml(v, indent + 2).split("\n")
                out.append(f"{pad}- {inner[0].lstrip()}")
                out.extend(inner[1:])
            elif isinstance(v, str) and "\n" in v:
                out.append(f"{pad}- |")
                out.extend(f"{pad}  {line}" for line in v.rstrip("\n").split("\n"))
            else:
                out.append(f"{pad}- {scalar(v)}")
    return "\n".join(out)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_both(stem, doc, header=""):
    write(stem + ".json", json.dumps(doc, indent=2) + "\n")
    write(stem + ".yaml", header + to_yaml(doc) + "\n")


# ---- common connection profile --------------------------------------------------------------------
def ccp(org):
    own_peers = [p for p in peers if p["org"] == org]
    ca = next(c for c in cas if c["org"] == org)
    return {
        "name": f"test-network-{org}",
        "version": "1.0.0",
        "client": {
            "organization": TITLE[org],
            "connection": {"timeout": {"peer": {"endorser": "300"}}},
        },
        "organizations": {
            TITLE[org]: {
                "mspid": MSP[org],
                "peers": [p["host"] for p in own_peers],
                "certificateAuthorities": [ca["host"]],
            }
        },
        "peers": {
            p["host"]: {
                "url": f"grpcs://localhost:{p['port']}",
                "tlsCACerts": {"pem": read(tlsca(org))},
                "grpcOptions": {"ssl-target-name-override": p["host"], "hostnameOverride": p["host"]},
            }
            for p in own_peers
        },
        "certificateAuthorities": {
            ca["host"]: {
                "url": f"https://localhost:{ca['port']}",
                "caName": f"ca-{org}",
                "tlsCACerts": {"pem": [read(tlsca(org))]},
                "httpOptions": {"verify": False},
            }
        },
    }


# ---- BCS-shaped download -------------------------------------------------------------------------
def copy_msp(src_user, dest, with_key):
    """Lays out one identity's MSP folder and TLS pair the way BCS downloads do."""
    msp = os.path.join(dest, "msp")
    for sub in ("admincerts", "cacerts", "keystore", "signcerts", "tlscacerts"):
        os.makedirs(os.path.join(msp, sub), exist_ok=True)
    org = src_user["org"]
    shutil.copy(only_file(os.path.join(org_dir(org), "msp", "cacerts")), os.path.join(msp, "cacerts", f"ca.{org}-cert.pem"))
    shutil.copy(tlsca(org), os.path.join(msp, "tlscacerts", f"tlsca.{org}-cert.pem"))
    if not with_key:
        return
    admin_cert = only_file(os.path.join(user_dir(org, "Admin"), "msp", "signcerts"))
    shutil.copy(admin_cert, os.path.join(msp, "admincerts", os.path.basename(admin_cert)))
    udir = user_dir(org, src_user["user"])
    shutil.copy(only_file(os.path.join(udir, "msp", "signcerts")), os.path.join(msp, "signcerts", "cert.pem"))
    # BCS names the key file with a random UUID, not its SKI.
    key_name = f"{uuid.uuid5(uuid.NAMESPACE_URL, udir)}_sk"
    shutil.copy(only_file(os.path.join(udir, "msp", "keystore")), os.path.join(msp, "keystore", key_name))
    tls = os.path.join(dest, "tls")
    os.makedirs(tls, exist_ok=True)
    shutil.copy(os.path.join(udir, "tls", "ca.crt"), os.path.join(tls, "ca.crt"))
    # The client TLS pair, named server.* as in BCS downloads.
    shutil.copy(os.path.join(udir, "tls", "client.crt"), os.path.join(tls, "server.crt"))
    shutil.copy(os.path.join(udir, "tls", "client.key"), os.path.join(tls, "server.key"))


def bcs(org, user, root):
    """A fabric-sdk-go config.yaml as BCS writes it: absolute paths, peer keys with ':port',
    mspid/mspID spelled both ways, orderer-eip, Node-style grpcOptions and an unused CA block."""
    folder = f"{org}.peer" if user == "Admin" else f"{org}.user"
    peer_key = lambda p: f"{p['host']}:{p['port']}"
    grpc_extra = {"grpc-max-send-message-length": 15, "grpc.http2.keepalive_time": 15}
    doc = {
        "name": "global-trade-network",
        "description": "The network to be in if you want to stay in the global trade business",
        "version": "1.0.0",
        "x-type": "hlfv1",
        "x-loggingLevel": "info",
        "client": {
            "organization": TITLE[org],
            "logging": {"level": "info"},
            "peer": {"timeout": {"connection": "10s", "queryResponse": "45s", "executeTxResponse": "120s"}},
            "eventService": {"timeout": {"connection": "10s", "registrationResponse": "50s"}},
            "orderer": {"timeout": {"connection": "10s", "response": "45s"}},
            "cryptoconfig": {"path": "/opt/gopath/src/github.com/hyperledger/fabric"},
            "credentialStore": {"path": "/tmp/hfc-kvs", "cryptoStore": {"path": "/tmp/msp"}, "wallet": "wallet-name"},
            "BCCSP": {
                "security": {
                    "enabled": True,
                    "default": {"provider": "SW"},
                    "hashAlgorithm": "SHA2",
                    "softVerify": True,
                    "ephemeral": False,
                    "level": 256,
                }
            },
        },
        "channels": {
            CHANNEL: {
                "orderers": [o["host"] for o in orderers],
                "peers": {
                    peer_key(p): {"endorsingPeer": True, "chaincodeQuery": True, "ledgerQuery": True, "eventSource": True}
                    for p in peers
                },
                "chaincodes": [f"{name}:1" for name in CC_POLICIES],
            }
        },
        "organizations": {},
        "orderer-eip": "127.0.0.1",
        "orderers": {
            o["host"]: {
                "url": f"grpcs://127.0.0.1:{o['port']}",
                "grpcOptions": {"ssl-target-name-override": o["host"], **grpc_extra},
                "tlsCACerts": {"path": os.path.join(root, "orderer.orderer", "msp", "tlscacerts", "tlsca.orderer-cert.pem")},
            }
            for o in orderers
        },
        "peers": {
            peer_key(p): {
                "url": f"grpcs://127.0.0.1:{p['port']}",
                "grpcOptions": {"ssl-target-name-override": p["host"], "hostnameOverride": p["host"], **grpc_extra},
                "tlsCACerts": {"path": os.path.join(root, f"{p['org']}.peer", "msp", "tlscacerts", f"tlsca.{p['org']}-cert.pem")},
            }
            for p in peers
        },
        "certificateAuthorities": {
            # Left over from the sdk-go template in real downloads; nothing refers to it.
            "ca-org1": {
                "url": "https://ca_peerOrg1:7054",
                "httpOptions": {"verify": False},
                "tlsCACerts": {
                    "path": "$GOPATH/src/github.com/hyperledger/fabric-sdk-go/test/api-server/tls/fabricca/certs/ca_root.pem",
                    "client": {
                        "keyfile": "$GOPATH/src/github.com/hyperledger/fabric-sdk-go/test/api-server/tls/fabricca/certs/client/client_fabric_client-key.pem",
                        "certfile": "$GOPATH/src/github.com/hyperledger/fabric-sdk-go/test/api-server/tls/fabricca/certs/client/client_fabric_client.pem",
                    },
                },
                "registrar": {"enrollId": "admin", "enrollSecret": "adminpw"},
                "caName": "ca-org1",
            },
        },
    }
    for o in ORGS:
        entry = {"mspid": MSP[o]}
        if o == org:
            entry["cryptoPath"] = os.path.join(root, folder, "msp")
            entry["tlsCryptoKeyPath"] = os.path.join(root, folder, "tls", "server.key")
            entry["tlsCryptoCertPath"] = os.path.join(root, folder, "tls", "server.crt")
        else:
            entry["cryptoPath"] = os.path.join(root, f"{o}.peer", "msp")
        entry["peers"] = [peer_key(p) for p in peers if p["org"] == o]
        if o == org:
            ca = next(c for c in cas if c["org"] == org)
            entry["certificateAuthorities"] = [ca["host"]]
        doc["organizations"][TITLE[o]] = entry
    doc["organizations"]["ordererorg"] = {
        "mspID": "OrdererMSP",
        "cryptoPath": os.path.join(root, "orderer.orderer", "msp"),
    }
    ca = next(c for c in cas if c["org"] == org)
    doc["certificateAuthorities"][ca["host"]] = {
        "url": f"https://127.0.0.1:{ca['port']}",
        "caName": f"ca-{org}",
        "tlsCACerts": {"path": os.path.join(root, folder, "msp", "tlscacerts", f"tlsca.{org}-cert.pem")},
        "grpcOptions": {"ssl-target-name-override": ca["host"]},
        "registrar": {"enrollId": "admin", "enrollSecret": "adminpw"},
    }
    return doc


def main():
    manifest = {
        "base": int(BASE),
        "channel": CHANNEL,
        "fabricVersion": FABRIC_VERSION,
        "gateway": GATEWAY == "true",
        "home": HOME,
        "bin": FABRIC_BIN,
        "chaincode": {"packageId": PACKAGE_ID, "names": CC_POLICIES},
        "orderers": [],
        "peers": [],
        "cas": [],
        "orgs": {},
    }
    for o in orderers:
        manifest["orderers"].append({
            "name": o["name"], "mspId": "OrdererMSP", "address": f"127.0.0.1:{o['port']}", "tlsHost": o["host"],
            "tlsCaFile": ORDERER_TLSCA, "adminAddress": f"127.0.0.1:{o['admin']}",
            "operationsAddress": f"127.0.0.1:{o['ops']}",
        })
    for p in peers:
        manifest["peers"].append({
            "name": p["name"], "org": p["org"], "mspId": MSP[p["org"]], "address": f"127.0.0.1:{p['port']}",
            "tlsHost": p["host"], "tlsCaFile": tlsca(p["org"]), "operationsAddress": f"127.0.0.1:{p['ops']}",
            "cliEnv": os.path.join(HOME, "env", f"{p['name']}.env"),
        })
    for c in cas:
        manifest["cas"].append({
            "name": c["name"], "org": c["org"], "caName": f"ca-{c['org']}", "url": f"https://127.0.0.1:{c['port']}",
            "tlsHost": c["host"], "tlsCaFile": tlsca(c["org"]), "operationsAddress": f"127.0.0.1:{c['ops']}",
            "registrar": {"enrollId": "admin", "enrollSecret": "adminpw"},
        })

    for org in ORGS:
        out = os.path.join(HOME, "profiles", org)
        write_both(os.path.join(out, f"connection-{org}"), ccp(org))
        root = os.path.join(out, "bcs")
        copy_msp({"org": org, "user": "Admin"}, os.path.join(root, f"{org}.peer"), True)
        copy_msp({"org": org, "user": "User1"}, os.path.join(root, f"{org}.user"), True)
        for other in ORGS:
            if other != org:
                copy_msp({"org": other}, os.path.join(root, f"{other}.peer"), False)
        omsp = os.path.join(root, "orderer.orderer", "msp")
        os.makedirs(os.path.join(omsp, "cacerts"), exist_ok=True)
        os.makedirs(os.path.join(omsp, "tlscacerts"), exist_ok=True)
        shutil.copy(only_file(os.path.join(org_dir("orderer"), "msp", "cacerts")), os.path.join(omsp, "cacerts", "ca.orderer-cert.pem"))
        shutil.copy(ORDERER_TLSCA, os.path.join(omsp, "tlscacerts", "tlsca.orderer-cert.pem"))
        header = "# Generated by tests/network/net, shaped like a Huawei Cloud BCS SDK download.\n"
        write_both(os.path.join(root, f"{org}-sdk-config"), bcs(org, "Admin", root), header)
        write_both(os.path.join(root, f"{org}-user-sdk-config"), bcs(org, "User1", root), header)

        ids = {}
        for user in ("Admin", "User1"):
            udir = user_dir(org, user)
            ids[user.lower()] = {
                "name": f"{user}@{org}.example.com",
                "msp": os.path.join(udir, "msp"),
                "cert": only_file(os.path.join(udir, "msp", "signcerts")),
                "key": only_file(os.path.join(udir, "msp", "keystore")),
                "tlsCert": os.path.join(udir, "tls", "client.crt"),
                "tlsKey": os.path.join(udir, "tls", "client.key"),
            }
        manifest["orgs"][org] = {
            "mspId": MSP[org],
            "tlsCaFile": tlsca(org),
            **ids,
            "profiles": {
                "ccpJson": os.path.join(out, f"connection-{org}.json"),
                "ccpYaml": os.path.join(out, f"connection-{org}.yaml"),
                "bcsAdmin": os.path.join(root, f"{org}-sdk-config.yaml"),
                "bcsAdminJson": os.path.join(root, f"{org}-sdk-config.json"),
                "bcsUser": os.path.join(root, f"{org}-user-sdk-config.yaml"),
                "bcsUserJson": os.path.join(root, f"{org}-user-sdk-config.json"),
            },
        }
    write(os.path.join(HOME, "network.json"), json.dumps(manifest, indent=2) + "\n")


main()
