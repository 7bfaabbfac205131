#!/usr/bin/env python3
"""Profiles and manifest of the GM network (FABWEAVE_FABRIC_VERSION=gm-*).

Runs lib/profiles.py (same arguments, same files) with these differences:
  - peers and orderers are plaintext: URLs are grpc://, nodes carry no tlsCACerts; the manifest
    says "tls": false (the fork's GM TLS uses SM2 certificates that rustls / Go crypto/tls cannot
    speak, so the network runs without TLS on its client listeners)
  - no CAs (upstream fabric-ca-server cannot issue SM2 certificates): no CA entries of our own
  - the BCS-shaped sdk config asks for the GM crypto suite (provider GM, hashAlgorithm SM3), and
    every profile names fabweave's suite for this fork (client.cryptoSuite: gm-sm3-prehash)
  - the manifest gains "gm": {...} with the facts a client needs (hashes, signature scheme)
"""
import json
import os
import sys

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib", "profiles.py")

with open(LIB, encoding="utf-8") as f:
    source = f.read()
# lib/profiles.py ends by calling main(); define everything, then call it ourselves.
body, sep, tail = source.rpartition("\nmain()")
if not sep or tail.strip():
    raise SystemExit("gm/profiles.py: lib/profiles.py no longer ends with main(); update gm/profiles.py")
ns = {"__name__": "profiles", "__file__": LIB}
exec(compile(body, LIB, "exec"), ns)


def fake_ca(org):
    # ccp() and bcs() look up the org's CA; give them a stand-in and remove its traces after.
    return dict(name=f"ca.{org}", kind="ca", org=org, host=f"ca.{org}.example.com", port=0, admin=None, ops=None)


def plaintext(node_map):
    for entry in node_map.values():
        if entry.get("url", "").startswith("grpcs://"):
            entry["url"] = "grpc://" + entry["url"][len("grpcs://"):]
        entry.pop("tlsCACerts", None)


orig_ccp, orig_bcs = ns["ccp"], ns["bcs"]


def with_fake_cas(fn, org, *args):
    saved = ns["cas"]
    ns["cas"] = [fake_ca(o) for o in ns["ORGS"]]
    try:
        return fn(org, *args)
    finally:
        ns["cas"] = saved


# The fork's MSP hashes with SM3 and a standard SM2 signer signs that digest: fabweave's
# `gm-sm3-prehash` crypto suite (a fabweave key; other SDKs ignore it).
SUITE = "gm-sm3-prehash"


def ccp(org):
    doc = with_fake_cas(orig_ccp, org)
    doc.setdefault("client", {})["cryptoSuite"] = SUITE
    doc.pop("certificateAuthorities", None)
    for o in doc["organizations"].values():
        o.pop("certificateAuthorities", None)
    plaintext(doc["peers"])
    return doc


def bcs(org, user, root):
    doc = with_fake_cas(orig_bcs, org, user, root)
    doc["certificateAuthorities"].pop(f"ca.{org}.example.com", None)
    for o in doc["organizations"].values():
        o.pop("certificateAuthorities", None)
    plaintext(doc["peers"])
    plaintext(doc["orderers"])
    sec = doc["client"]["BCCSP"]["security"]
    sec["default"]["provider"] = "GM"
    sec["hashAlgorithm"] = "SM3"
    doc["client"]["cryptoSuite"] = SUITE
    return doc


ns["ccp"], ns["bcs"] = ccp, bcs
ns["main"]()

HOME = ns["HOME"]
path = os.path.join(HOME, "network.json")
with open(path, encoding="utf-8") as f:
    manifest = json.load(f)
manifest["tls"] = False
for node in manifest["orderers"] + manifest["peers"]:
    node["tls"] = False
    node["url"] = f"grpc://{node['address']}"
    node.pop("adminAddress", None)  # the fork's orderer has no admin (channel participation) listener
manifest["cas"] = []
manifest["gm"] = {
    "fork": "github.com/hxx258456/fabric-gm v0.0.2 (crypto github.com/hxx258456/ccgo v0.0.3)",
    "signature": "SM2 over SM3(Z_A || SM3(message)), default user ID 1234567812345678, ASN.1 DER (r, s)",
    "cryptoSuite": SUITE,
    "txIdHash": "SM3",
    "packageIdHash": "SM3",
    "gateway": False,
    "channelParticipation": False,
    "systemChannel": "system-channel",
}
with open(path, "w", encoding="utf-8") as f:
    f.write(json.dumps(manifest, indent=2) + "\n")
