"""Identities (keys, external Python signers) and wallets, used against the real network."""

import asyncio
import datetime
import json
import threading
import time
from pathlib import Path

import pytest

import fabweave
import fabweave.aio
from conftest import CHANNEL, profile_of


def unique(name: str) -> str:
    return f"{name}-{time.time_ns()}"


def user1(network, org: str = "org1") -> fabweave.Identity:
    o = network["orgs"][org]
    return fabweave.Identity.from_files(o["mspId"], o["user1"]["cert"], o["user1"]["key"])


class CountingSigner:
    """An external signer (as an HSM or KMS client would be) that signs with `identity` and
    counts its calls and the threads it is called from."""

    def __init__(self, identity: fabweave.Identity):
        self.identity = identity
        self.calls = 0
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, message: bytes) -> bytes:
        assert isinstance(message, bytes) and message
        with self.lock:
            self.calls += 1
            self.threads.add(threading.current_thread().name)
        return self.identity.sign(message)


def external(network, sign) -> fabweave.Identity:
    base = user1(network)
    return fabweave.Identity.from_signer(base.msp_id, base.certificate_pem, sign)


# ---------------------------------------------------------------------------------------------
# Identity


def test_identity_properties_and_sign(network):
    identity = user1(network)
    assert identity.msp_id == "Org1MSP"
    assert identity.common_name == "User1@org1.example.com"
    assert "CN=User1@org1.example.com" in identity.subject
    assert identity.issuer and identity.issuer != identity.subject
    now = datetime.datetime.now(datetime.timezone.utc)
    for t in (identity.not_before, identity.not_after):
        assert isinstance(t, datetime.datetime)
        assert t.utcoffset() == datetime.timedelta(0)
    assert identity.not_before < now < identity.not_after
    signature = identity.sign(b"proposal bytes")
    assert isinstance(signature, bytes)
    assert signature[0] == 0x30 and len(signature) == signature[1] + 2  # DER SEQUENCE
    # The same properties for an external-signer identity, from the same certificate.
    ext = external(network, identity.sign)
    assert (ext.subject, ext.issuer, ext.not_after) == (
        identity.subject,
        identity.issuer,
        identity.not_after,
    )


@pytest.mark.parametrize("mode", ["auto", "client"])
def test_external_signer_submits_and_evaluates(network, mode):
    signer = CountingSigner(user1(network))
    identity = external(network, signer)
    key, value = unique("py-ext"), unique("v")
    with fabweave.connect(profile_of(network, "org1"), identity=identity, mode=mode) as client:
        contract = client.network(CHANNEL).contract("kv")
        before = signer.calls
        done = contract.submit("put", key, value)
        assert done.block_number > 0
        assert signer.calls > before  # the proposal and the transaction were signed by it
        before = signer.calls
        assert contract.evaluate("get", key) == value.encode()
        assert signer.calls > before
        # The chaincode sees the MSP of the certificate the external identity carries.
        assert contract.evaluate("whoami") == b"Org1MSP"


def test_external_signer_with_asyncio(network):
    signer = CountingSigner(user1(network))
    identity = external(network, signer)
    key = unique("py-ext-aio")

    async def main():
        client = await fabweave.aio.connect(profile_of(network, "org1"), identity=identity)
        async with client:
            contract = client.network(CHANNEL).contract("kv")
            await contract.submit("put", key, "aio")
            return await contract.evaluate("get", key)

    assert asyncio.run(asyncio.wait_for(main(), 120)) == b"aio"
    assert signer.calls >= 2
    # Called from fabweave's runtime threads (GIL re-attached) while the event loop ran.
    assert signer.threads - {threading.main_thread().name}, signer.threads


def test_signer_exception_becomes_a_crypto_error(network):
    calls = []

    def broken(message: bytes) -> bytes:
        calls.append(message)
        raise RuntimeError("HSM slot 3 is offline")

    identity = external(network, broken)
    with pytest.raises(fabweave.CryptoError) as direct:
        identity.sign(b"m")
    assert "RuntimeError: HSM slot 3 is offline" in str(direct.value)

    started = time.monotonic()
    with fabweave.connect(profile_of(network, "org1"), identity=identity) as client:
        contract = client.network(CHANNEL).contract("kv")
        with pytest.raises(fabweave.FabweaveError) as caught:
            contract.submit("put", unique("py-broken"), "v")
        with pytest.raises(fabweave.FabweaveError) as evaluated:
            contract.evaluate("get", "x")
    assert time.monotonic() - started < 60  # no hang
    assert calls
    for err in (caught.value, evaluated.value):
        assert isinstance(err, fabweave.CryptoError), repr(err)
        assert "HSM slot 3 is offline" in str(err)
        assert "RuntimeError" in str(err)
        assert err.kind == "crypto"


def test_signer_returning_a_non_bytes_value_is_a_crypto_error(network):
    identity = external(network, lambda message: "not bytes")
    with pytest.raises(fabweave.CryptoError, match="returned str"):
        identity.sign(b"m")


@pytest.mark.parametrize("mode", ["auto", "client"])
def test_signer_with_the_wrong_key_is_named_before_sending(network, mode):
    calls = []
    other = fabweave.Identity.from_files(
        network["orgs"]["org2"]["mspId"],
        network["orgs"]["org2"]["user1"]["cert"],
        network["orgs"]["org2"]["user1"]["key"],
    )

    def wrong_key(message: bytes) -> bytes:
        calls.append(message)
        return other.sign(message)  # a valid signature, by Org2's user

    identity = external(network, wrong_key)
    started = time.monotonic()
    with fabweave.connect(profile_of(network, "org1"), identity=identity, mode=mode) as client:
        contract = client.network(CHANNEL).contract("kv")
        with pytest.raises(fabweave.CryptoError) as submitted:
            contract.submit("put", unique("py-wrong-key"), "v")
        with pytest.raises(fabweave.CryptoError) as evaluated:
            contract.evaluate("get", "x")
    assert time.monotonic() - started < 60
    assert calls
    for err in (submitted.value, evaluated.value):
        assert "does not verify with the certificate" in str(err), str(err)


def test_signer_returning_garbage_is_a_crypto_error(network):
    identity = external(network, lambda message: b"\x30\x06\x02\x01\x01\x02\x01\x01")
    with pytest.raises(fabweave.CryptoError, match="does not verify"):
        identity.sign(b"m")
    identity = external(network, lambda message: b"not DER at all")
    with pytest.raises(fabweave.CryptoError, match="malformed ECDSA signature"):
        identity.sign(b"m")


def test_from_signer_refuses_what_is_not_a_callable(network):
    with pytest.raises(TypeError, match="callable"):
        fabweave.Identity.from_signer("Org1MSP", user1(network).certificate_pem, b"key")


def test_key_not_matching_the_certificate_is_an_identity_error(network):
    o = network["orgs"]["org1"]
    with pytest.raises(fabweave.IdentityError) as caught:
        fabweave.Identity.from_files(o["mspId"], o["user1"]["cert"], o["admin"]["key"])
    assert "does not match" in str(caught.value)
    assert caught.value.file == str(o["admin"]["key"])
    with pytest.raises(fabweave.IdentityError, match="does not match"):
        fabweave.Identity.from_pem(
            o["mspId"],
            Path(o["user1"]["cert"]).read_bytes(),
            Path(o["admin"]["key"]).read_bytes(),
        )


def key_body_lines(path: str) -> list[str]:
    """The base64 lines of a PEM key file: what must never be shown."""
    return [l for l in Path(path).read_text().splitlines() if l and not l.startswith("-----")]


def test_reprs_never_show_key_material(network, tmp_path):
    o = network["orgs"]["org1"]
    secrets = key_body_lines(o["user1"]["key"])
    identities = [
        user1(network),
        fabweave.Identity.from_msp_dir(o["mspId"], o["user1"]["msp"]),
        fabweave.Identity.from_pem(
            o["mspId"], Path(o["user1"]["cert"]).read_text(), Path(o["user1"]["key"]).read_text()
        ),
        external(network, user1(network).sign),
    ]
    memory = fabweave.InMemoryWallet()
    memory.put("u", identities[0])
    files = fabweave.FileWallet(tmp_path / "w", passphrase="s3cret-pass", pbkdf2_iterations=100_000)
    files.put("u", identities[0])
    shown = [repr(x) for x in [*identities, memory, files, memory.get("u"), files.get("u")]]
    for text in shown:
        assert "PRIVATE KEY" not in text and "s3cret-pass" not in text, text
        for line in secrets:
            assert line[:16] not in text, text
    assert "User1@org1.example.com" in shown[0]
    assert "(keys encrypted)" in shown[5]


# ---------------------------------------------------------------------------------------------
# Wallets


def test_in_memory_wallet(network):
    wallet = fabweave.InMemoryWallet()
    assert len(wallet) == 0 and wallet.labels() == [] and wallet.get("appUser") is None
    wallet.put("appUser", user1(network))
    wallet.put("admin", fabweave.Identity.from_msp_dir("Org1MSP", network["orgs"]["org1"]["admin"]["msp"]))
    assert wallet.labels() == ["admin", "appUser"] and list(wallet) == ["admin", "appUser"]
    assert len(wallet) == 2 and "appUser" in wallet and "nobody" not in wallet and 3 not in wallet
    got = wallet.get("appUser")
    assert isinstance(got, fabweave.Identity)
    assert got.certificate_pem == user1(network).certificate_pem and got.msp_id == "Org1MSP"
    with fabweave.connect(profile_of(network, "org1"), identity=got) as client:
        assert client.network(CHANNEL).contract("kv").evaluate("whoami") == b"Org1MSP"
    assert wallet.remove("admin") is True and wallet.remove("admin") is False
    assert wallet.labels() == ["appUser"]
    for bad in ["", "..", "a/b"]:
        with pytest.raises(fabweave.IdentityError, match="wallet label"):
            wallet.put(bad, got)


def test_external_signer_identity_cannot_go_into_a_wallet(network, tmp_path):
    identity = external(network, user1(network).sign)
    for wallet in (fabweave.InMemoryWallet(), fabweave.FileWallet(tmp_path / "w")):
        with pytest.raises(fabweave.IdentityError, match="external signer"):
            wallet.put("hsm", identity)
        assert len(wallet) == 0


def test_file_wallet_round_trip_and_connect(network, tmp_path):
    o = network["orgs"]["org1"]
    folder = tmp_path / "wallet"
    wallet = fabweave.FileWallet(folder)
    assert wallet.path == folder and not wallet.encrypts_keys
    wallet.put("appUser", fabweave.Identity.from_msp_dir(o["mspId"], o["user1"]["msp"]))
    assert wallet.path_of("appUser") == folder / "appUser.id"

    # fabric-network's format: the key in clear, as the Node SDK writes it.
    data = json.loads((folder / "appUser.id").read_text())
    assert data["type"] == "X.509" and data["version"] == 1 and data["mspId"] == o["mspId"]
    assert data["credentials"]["certificate"] == Path(o["user1"]["cert"]).read_text()
    assert "BEGIN" in data["credentials"]["privateKey"]

    reopened = fabweave.FileWallet(str(folder))
    assert reopened.labels() == ["appUser"] and "appUser" in reopened and len(reopened) == 1
    identity = reopened.get("appUser")
    assert identity is not None and identity.msp_id == o["mspId"]
    key = unique("py-wallet")
    with fabweave.connect(profile_of(network, "org1"), identity=identity) as client:
        contract = client.network(CHANNEL).contract("kv")
        assert contract.submit("put", key, "from-wallet").block_number > 0
        assert contract.evaluate("get", key) == b"from-wallet"

    # An identity read from a wallet can be stored again, in another wallet.
    memory = fabweave.InMemoryWallet()
    memory.put("copy", identity)
    assert memory.get("copy").certificate_pem == identity.certificate_pem
    assert reopened.remove("appUser") is True
    assert not (folder / "appUser.id").exists() and reopened.get("appUser") is None


def test_passphrase_file_wallet(network, tmp_path):
    folder = tmp_path / "locked"
    wallet = fabweave.FileWallet(folder, passphrase="correct horse", pbkdf2_iterations=100_000)
    assert wallet.encrypts_keys and wallet.pbkdf2_iterations == 100_000
    wallet.put("appUser", user1(network))
    stored = json.loads((folder / "appUser.id").read_text())["credentials"]["privateKey"]
    assert "ENCRYPTED PRIVATE KEY" in stored

    with pytest.raises(fabweave.IdentityError) as wrong:
        fabweave.FileWallet(folder, passphrase=b"battery staple").get("appUser")
    assert "passphrase does not decrypt" in str(wrong.value)
    assert wrong.value.file == str(folder / "appUser.id")
    with pytest.raises(fabweave.IdentityError, match="encrypted; give its passphrase"):
        fabweave.FileWallet(folder).get("appUser")

    identity = fabweave.FileWallet(folder, passphrase="correct horse").get("appUser")
    assert identity is not None
    with fabweave.connect(profile_of(network, "org1"), identity=identity) as client:
        assert client.network(CHANNEL).contract("kv").evaluate("whoami") == b"Org1MSP"


def test_file_wallet_options_are_checked(tmp_path):
    with pytest.raises(fabweave.IdentityError, match="too few"):
        fabweave.FileWallet(tmp_path / "w", passphrase="p", pbkdf2_iterations=10)
    with pytest.raises(fabweave.IdentityError, match="empty"):
        fabweave.FileWallet(tmp_path / "w", passphrase="")
    (tmp_path / "file").write_text("x")
    with pytest.raises(fabweave.IdentityError):
        fabweave.FileWallet(tmp_path / "file")


def test_encrypted_or_der_key_identity_cannot_go_into_a_wallet():
    # sdk-core's fixtures: one key as PEM, encrypted PKCS#8 (passphrase `fabweave`) and DER.
    fixtures = Path(__file__).resolve().parents[2] / "sdk-core" / "tests" / "fixtures" / "identity"
    cert = fixtures / "ec_cert.pem"
    encrypted = fabweave.Identity.from_files(
        "Org1MSP", cert, fixtures / "ec_pkcs8_encrypted.pem", passphrase="fabweave"
    )
    der = fabweave.Identity.from_pem(
        "Org1MSP", cert.read_bytes(), (fixtures / "ec_pkcs8.der").read_bytes()
    )
    wallet = fabweave.InMemoryWallet()
    with pytest.raises(fabweave.IdentityError, match="passphrase"):
        wallet.put("enc", encrypted)
    with pytest.raises(fabweave.IdentityError, match="DER"):
        wallet.put("der", der)
    wallet.put("plain", fabweave.Identity.from_files("Org1MSP", cert, fixtures / "ec_pkcs8.pem"))
    assert wallet.labels() == ["plain"]
