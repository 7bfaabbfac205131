#!/usr/bin/env python3
"""Checks the transactions of a block fetched from the GM network (peer channel fetch):
tx id = SM3(nonce || creator)? creator signature = SM2-with-ZA over M or over SM3(M)?
Needs openssl 3 with SM2/SM3. Usage: verify_block.py BLOCK_FILE"""
import hashlib, os, subprocess, sys, tempfile

def fields(buf):
    i, out = 0, {}
    while i < len(buf):
        key, i = varint(buf, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 2:
            n, i = varint(buf, i); v = buf[i:i + n]; i += n
        elif wt == 1: v = buf[i:i + 8]; i += 8
        elif wt == 5: v = buf[i:i + 4]; i += 4
        else: raise ValueError(wt)
        out.setdefault(f, []).append(v)
    return out

def varint(b, i):
    r = s = 0
    while True:
        c = b[i]; i += 1; r |= (c & 0x7f) << s; s += 7
        if c < 0x80: return r, i

def sm3(b): return hashlib.new("sm3", b).digest()

def verify(pub, msg, sig):
    with tempfile.TemporaryDirectory() as d:
        for n, v in (("m", msg), ("s", sig)):
            open(os.path.join(d, n), "wb").write(v)
        r = subprocess.run(["openssl", "dgst", "-sm3", "-verify", pub, "-sigopt", "distid:1234567812345678",
                            "-signature", os.path.join(d, "s"), os.path.join(d, "m")], capture_output=True)
        return r.returncode == 0

block = fields(open(sys.argv[1], "rb").read())
for env_bytes in fields(block[2][0]).get(1, []):
    env = fields(env_bytes)
    payload, sig = env[1][0], env[2][0]
    hdr = fields(fields(payload)[1][0])
    chdr = fields(hdr[1][0]); shdr = fields(hdr[2][0])
    creator, nonce = shdr[1][0], shdr[2][0]
    txid = chdr.get(5, [b""])[0].decode()
    cert = fields(creator)[2][0]
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "c.pem"); p = os.path.join(d, "p.pem")
        open(c, "wb").write(cert)
        subprocess.run(["openssl", "x509", "-in", c, "-pubkey", "-noout", "-out", p], check=True)
        print(f"tx {txid[:16]}… type={chdr.get(1,[None])[0]}")
        print(f"  txid == SM3(nonce||creator): {txid == sm3(nonce + creator).hex()}   "
              f"== SHA256(nonce||creator): {txid == hashlib.sha256(nonce + creator).hexdigest()}")
        print(f"  sig verifies as SM2(ZA, M):       {verify(p, payload, sig)}")
        print(f"  sig verifies as SM2(ZA, SM3(M)):  {verify(p, sm3(payload), sig)}")
