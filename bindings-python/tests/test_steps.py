"""The step-by-step submit (Contract.new_proposal), signed outside fabweave with the
`cryptography` package, against the real network, through the sync and asyncio APIs."""

import asyncio
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

import fabweave
import fabweave.aio
from conftest import CHANNEL, USER, profile_of

# The order of P-256's group: Fabric accepts only signatures with s <= N / 2.
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def unique(name: str) -> str:
    return f"{name}-{time.time_ns()}"


class Signer:
    """An external signer: ECDSA P-256 over SHA-256, DER, low S (as Fabric requires)."""

    def __init__(self, key_file: str):
        with open(key_file, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)

    def sign(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
        if s > P256_N // 2:
            s = P256_N - s
        return encode_dss_signature(r, s)


def signer(network, org: str) -> Signer:
    return Signer(network["orgs"][org]["user1"]["key"])


@pytest.mark.parametrize("mode", ["auto", "client"])
def test_submit_step_by_step_then_read_back(network, mode):
    key, value = unique("py-steps"), unique("v").encode()
    user1 = signer(network, "org1")
    with fabweave.connect(profile_of(network, "org1"), user=USER, mode=mode) as client:
        contract = client.network(CHANNEL).contract("kv_or")

        proposal = contract.new_proposal("put", key, value)
        assert type(proposal) is fabweave.Proposal
        assert len(proposal.tx_id) == 64
        assert isinstance(proposal.bytes, bytes) and proposal.bytes

        tx = proposal.endorse(user1.sign(proposal.bytes))
        assert type(tx) is fabweave.Transaction
        assert tx.tx_id == proposal.tx_id
        assert tx.result == value, "put answers with the value"
        assert tx.via == ("gateway" if mode == "auto" else "client")
        assert tx.bytes and tx.bytes != proposal.bytes

        submitted = tx.submit(user1.sign(tx.bytes))
        assert type(submitted) is fabweave.Submitted
        assert submitted.tx_id == tx.tx_id
        assert submitted.result == value
        assert submitted.via == tx.via
        assert submitted.endorsers
        assert {e["msp_id"] for e in submitted.endorsers} <= {"Org1MSP", "Org2MSP"}

        done = submitted.status()
        assert isinstance(done, fabweave.Committed)
        assert done.tx_id == proposal.tx_id
        assert done.block_number > 0 and done.confirmed
        assert done.payload == value
        assert done.via == tx.via
        # Waited for by the default strategy (every peer of Org1): Org1's peers have it.
        assert contract.evaluate("get", key) == value


@pytest.mark.parametrize("mode", ["auto", "client"])
def test_proposal_evaluate(network, mode):
    key, value = unique("py-steps-eval"), unique("v").encode()
    user1 = signer(network, "org1")
    with fabweave.connect(profile_of(network, "org1"), user=USER, mode=mode) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        contract.submit("put", key, value)
        proposal = contract.new_proposal("get", key)
        assert proposal.evaluate(user1.sign(proposal.bytes)) == value
        # An evaluate does not write: the key stays as it was.
        assert contract.evaluate("get", key) == value


@pytest.mark.parametrize("mode", ["auto", "client"])
def test_wrong_signature_is_refused_before_sending(network, mode):
    key = unique("py-steps-forged")
    org2_user = signer(network, "org2")
    with fabweave.connect(profile_of(network, "org1"), user=USER, mode=mode) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        proposal = contract.new_proposal("put", key, "x")
        # Signed by another user's key: fabweave checks the signature against the client's
        # certificate and names the problem (the peers would only say "access denied").
        with pytest.raises(fabweave.CryptoError, match="does not verify with the certificate"):
            proposal.endorse(org2_user.sign(proposal.bytes))
        # Nothing was written.
        with pytest.raises(fabweave.EndorseError, match="not found"):
            contract.evaluate("get", key)


def test_high_s_signature_is_lowered(network):
    # An external signer may return a high S (valid ECDSA that Fabric refuses): fabweave
    # replaces s with n - s, and the transaction commits.
    user1 = signer(network, "org1")
    key = unique("py-steps-high-s")
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        proposal = contract.new_proposal("put", key, "x")

        def high(data: bytes) -> bytes:
            r, s = decode_dss_signature(user1.sign(data))
            high = encode_dss_signature(r, P256_N - s)
            user1.key.public_key().verify(high, data, ec.ECDSA(hashes.SHA256()))
            return high

        tx = proposal.endorse(high(proposal.bytes))
        done = tx.submit(high(tx.bytes)).status()
        assert done.block_number > 0
        assert contract.evaluate("get", key) == b"x"


@pytest.mark.parametrize("mode", ["auto", "client"])
def test_wrongly_signed_transaction_is_refused_before_sending(network, mode):
    key = unique("py-steps-forged-tx")
    user1, org2_user = signer(network, "org1"), signer(network, "org2")
    with fabweave.connect(profile_of(network, "org1"), user=USER, mode=mode) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        proposal = contract.new_proposal("put", key, "x")
        tx = proposal.endorse(user1.sign(proposal.bytes))
        with pytest.raises(fabweave.CryptoError, match="does not verify with the certificate"):
            tx.submit(org2_user.sign(tx.bytes))
        # Signed over other bytes (the proposal's, not the transaction's): refused too.
        with pytest.raises(fabweave.FabweaveError):
            tx.submit(user1.sign(proposal.bytes))
        with pytest.raises(fabweave.EndorseError, match="not found"):
            contract.evaluate("get", key)


def test_each_step_runs_once(network):
    user1 = signer(network, "org1")
    org2_user = signer(network, "org2")
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")

        proposal = contract.new_proposal("put", unique("py-steps-once"), "1")
        signature = user1.sign(proposal.bytes)
        tx = proposal.endorse(signature)
        for again in (lambda: proposal.endorse(signature), lambda: proposal.evaluate(signature)):
            with pytest.raises(fabweave.FabweaveError, match="already used") as caught:
                again()
            assert type(caught.value) is fabweave.FabweaveError
            assert "Proposal" in str(caught.value)

        tx_signature = user1.sign(tx.bytes)
        submitted = tx.submit(tx_signature)
        with pytest.raises(fabweave.FabweaveError, match="Transaction was already used"):
            tx.submit(tx_signature)

        done = submitted.status()
        assert done.block_number > 0
        with pytest.raises(fabweave.FabweaveError, match="Submitted was already used"):
            submitted.status()
        # The values stay readable after use.
        assert submitted.tx_id == tx.tx_id == proposal.tx_id == done.tx_id
        assert "used" in repr(proposal)

        # A step that failed is used up too: a proposal is signed for one try.
        proposal = contract.new_proposal("put", unique("py-steps-once"), "1")
        with pytest.raises(fabweave.CryptoError):
            proposal.endorse(org2_user.sign(proposal.bytes))
        with pytest.raises(fabweave.FabweaveError, match="already used"):
            proposal.endorse(user1.sign(proposal.bytes))


def test_signature_must_be_bytes_like(network):
    user1 = signer(network, "org1")
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        contract = client.network(CHANNEL).contract("kv_or")
        key = unique("py-steps-bytes")
        proposal = contract.new_proposal("put", key, "v")
        signature = user1.sign(proposal.bytes)
        with pytest.raises(TypeError, match="signature must be bytes"):
            proposal.endorse(signature.hex())
        # Refused before anything was used: the same proposal still goes through, and
        # bytearray and memoryview are accepted.
        tx = proposal.endorse(bytearray(signature))
        done = tx.submit(memoryview(user1.sign(tx.bytes))).status()
        assert done.block_number > 0
        assert contract.evaluate("get", key) == b"v"


def test_steps_after_close_raise(network):
    user1 = signer(network, "org1")
    with fabweave.connect(profile_of(network, "org1"), user=USER) as client:
        proposal = client.network(CHANNEL).contract("kv_or").new_proposal("get", "k")
    with pytest.raises(fabweave.FabweaveError, match="closed"):
        proposal.endorse(user1.sign(proposal.bytes))


def test_steps_with_asyncio(network):
    key, value = unique("py-steps-aio"), unique("v").encode()
    user1 = signer(network, "org1")

    async def main():
        async with await fabweave.aio.connect(profile_of(network, "org1"), user=USER) as client:
            contract = client.network(CHANNEL).contract("kv_or")
            proposal = contract.new_proposal("put", key, value)
            assert type(proposal) is fabweave.aio.Proposal
            assert isinstance(proposal, fabweave.Proposal)

            pending = proposal.endorse(user1.sign(proposal.bytes))
            assert asyncio.isfuture(pending) or asyncio.iscoroutine(pending)
            tx = await pending
            assert type(tx) is fabweave.aio.Transaction
            assert tx.result == value and tx.via == "gateway"

            submitted = await tx.submit(user1.sign(tx.bytes))
            assert type(submitted) is fabweave.aio.Submitted
            assert submitted.endorsers
            done = await submitted.status()
            assert isinstance(done, fabweave.Committed)
            assert done.tx_id == proposal.tx_id and done.block_number > 0
            assert done.via == "gateway"

            with pytest.raises(fabweave.FabweaveError, match="already used"):
                await proposal.endorse(user1.sign(proposal.bytes))

            reading = contract.new_proposal("get", key)
            assert await reading.evaluate(user1.sign(reading.bytes)) == value

    asyncio.run(main())
