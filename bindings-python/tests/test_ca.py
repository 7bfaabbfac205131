"""fabweave.CaClient and fabweave.aio.CaClient against the network's real fabric-ca-server (org1's
CA): cainfo, enroll, register with an attribute, transact with the enrolled identity, the CA's
refusals as CaError, reenroll and revoke, identities and affiliations."""

import asyncio
import time

import pytest

import fabweave
import fabweave.aio
from conftest import CHANNEL, profile_of


def unique(name: str) -> str:
    return f"{name}-{time.time_ns()}"


def org1_ca(network) -> dict:
    return next(c for c in network["cas"] if c["org"] == "org1")


def url_client(network, api=fabweave) -> "fabweave.CaClient":
    ca = org1_ca(network)
    return api.CaClient(
        ca["url"],
        tls_ca=ca["tlsCaFile"],
        ca_name=ca["caName"],
        msp_id=network["orgs"]["org1"]["mspId"],
    )


def enroll_admin(network, client) -> "fabweave.Identity":
    registrar = org1_ca(network)["registrar"]
    return client.enroll(registrar["enrollId"], registrar["enrollSecret"]).identity()


def test_info_from_profile_and_from_url(network):
    ca = org1_ca(network)
    org1 = network["orgs"]["org1"]
    by_url = url_client(network)
    info = by_url.info()
    assert isinstance(info, fabweave.CaInfo)
    assert info.ca_name == ca["caName"]
    assert info.ca_chain_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert by_url.url == ca["url"] and by_url.ca_name == ca["caName"]
    # Both profile shapes find the client organization's CA and its MSP ID.
    for key in ("bcsUser", "ccpJson"):
        from_profile = fabweave.CaClient.from_profile(org1["profiles"][key])
        assert from_profile.msp_id == org1["mspId"], key
        assert from_profile.ca_name == ca["caName"], key
        assert from_profile.info().ca_chain_pem == info.ca_chain_pem, key
    # Named explicitly, by its key in the profile.
    named = fabweave.CaClient.from_profile(org1["profiles"]["bcsUser"], ca["tlsHost"])
    assert named.info().ca_name == ca["caName"]


def test_option_mistakes_are_refused_before_any_call(network):
    ca = org1_ca(network)
    org1 = network["orgs"]["org1"]
    with pytest.raises(fabweave.ProfileError) as caught:
        fabweave.CaClient.from_profile(org1["profiles"]["bcsUser"], "ca.nowhere.example.com")
    assert "ca.nowhere.example.com" in str(caught.value)
    with pytest.raises(ValueError, match="client_cert and client_key"):
        fabweave.CaClient(ca["url"], tls_ca=ca["tlsCaFile"], client_cert=ca["tlsCaFile"])
    with pytest.raises(FileNotFoundError):
        fabweave.CaClient(ca["url"], tls_ca="/nonexistent/tls-ca.pem")
    with pytest.raises(fabweave.TransportError):
        fabweave.CaClient(ca["url"])  # https without a TLS CA
    client = url_client(network)
    with pytest.raises(ValueError, match="key_algorithm"):
        client.enroll("admin", "adminpw", key_algorithm="rsa")
    with pytest.raises(ValueError, match="serial and aki"):
        client.revoke(enroll_admin(network, client))


def test_enroll_register_enroll_and_transact_with_the_attribute(network):
    org1 = network["orgs"]["org1"]
    client = fabweave.CaClient.from_profile(org1["profiles"]["bcsUser"])

    admin_enrollment = client.enroll("admin", org1_ca(network)["registrar"]["enrollSecret"])
    assert isinstance(admin_enrollment, fabweave.Enrollment)
    assert admin_enrollment.common_name == "admin"
    assert admin_enrollment.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert admin_enrollment.ca_info.ca_name == org1_ca(network)["caName"]
    assert admin_enrollment.ca_chain_pem == client.info().ca_chain_pem
    assert admin_enrollment.private_key_pem().startswith("-----BEGIN PRIVATE KEY-----")
    assert "PRIVATE KEY" not in repr(admin_enrollment)
    admin = admin_enrollment.identity()
    assert isinstance(admin, fabweave.Identity)
    assert admin.msp_id == org1["mspId"] and admin.common_name == "admin"

    user = unique("py-ca-user")
    secret = client.register(
        admin,
        user,
        affiliation="org1.department1",
        attributes={"role": ("auditor", True)},
    )
    assert isinstance(secret, str) and secret
    enrollment = client.enroll(user, secret, attributes=["role"], hosts=["app.example.com"])
    assert enrollment.common_name == user
    identity = enrollment.identity(org1["mspId"])

    with fabweave.connect(profile_of(network, "org1"), identity=identity) as app:
        contract = app.network(CHANNEL).contract("kv_or")
        done = contract.submit("attr", "role")
        assert done.payload == b"auditor"
        assert done.block_number > 0
        assert contract.evaluate("whoami") == org1["mspId"].encode()
        assert contract.evaluate("attr", "role") == b"auditor"

    # The CA lists it with its attribute.
    listed = [i for i in client.identities(admin) if i.id == user]
    assert len(listed) == 1
    info = listed[0]
    assert isinstance(info, fabweave.IdentityInfo)
    assert info.attribute("role") == "auditor"
    assert {"name": "role", "value": "auditor", "ecert": True} in info.attributes
    assert info.affiliation == "org1.department1"
    assert client.identity(admin, user).type == "client"
    modified = client.modify_identity(admin, user, attributes=[("level", "3")])
    assert modified.attribute("level") == "3" and modified.attribute("role") == "auditor"
    assert secret not in repr(modified)

    tree = client.affiliations(admin)
    assert isinstance(tree, dict)
    assert "department1" in str(tree)


def test_wrong_secret_raises_ca_error_with_the_cas_fields(network):
    client = url_client(network)
    with pytest.raises(fabweave.CaError) as caught:
        client.enroll("admin", unique("not-the-password"))
    err = caught.value
    assert isinstance(err, fabweave.FabweaveError)
    assert err.kind == "ca"
    assert err.status == 401
    assert err.code == 20
    assert err.message == "Authentication failure"
    assert "wrong enrollment secret" in err.hint
    assert err.url == f"{org1_ca(network)['url']}/api/v1/enroll"

    with pytest.raises(fabweave.CaError) as caught:
        client.identity(enroll_admin(network, client), unique("nobody"))
    assert (caught.value.status, caught.value.code) == (404, 63)


def test_revoked_identity_cannot_reenroll(network):
    client = url_client(network)
    admin = enroll_admin(network, client)
    user = unique("py-ca-revoked")
    secret = client.register(admin, user, affiliation="org1.department1")
    first = client.enroll(user, secret).identity()

    # Reenrolling works while it is valid: a new key, then the same key.
    second = client.reenroll(first)
    assert second.common_name == user and second.private_key_pem() is not None
    second_id = second.identity()
    assert second_id.certificate_pem != first.certificate_pem
    third = client.reenroll(second_id, keep_key=True)
    assert third.private_key_pem() is None
    third_id = third.identity()

    revocation = client.revoke(admin, user, reason="keycompromise", gencrl=True)
    assert isinstance(revocation, fabweave.Revocation)
    assert len(revocation.revoked) == 3
    assert all(r["serial"] and r["aki"] for r in revocation.revoked)
    assert "BEGIN X509 CRL" in revocation.crl_pem

    with pytest.raises(fabweave.CaError) as caught:
        client.reenroll(third_id)
    assert (caught.value.status, caught.value.code) == (401, 20)
    assert "revoked" in caught.value.hint
    with pytest.raises(fabweave.CaError) as caught:
        client.enroll(user, secret)
    assert (caught.value.status, caught.value.code) == (401, 20)


def test_asyncio_enroll_register_enroll(network):
    org1 = network["orgs"]["org1"]
    registrar = org1_ca(network)["registrar"]

    async def main():
        client = url_client(network, fabweave.aio)
        assert isinstance(client, fabweave.aio.CaClient)
        assert isinstance(client, fabweave.CaClient)
        from_profile = fabweave.aio.CaClient.from_profile(org1["profiles"]["bcsUser"])
        assert isinstance(from_profile, fabweave.aio.CaClient)
        info = await from_profile.info()
        assert info.ca_name == org1_ca(network)["caName"]

        admin = (await client.enroll(registrar["enrollId"], registrar["enrollSecret"])).identity()
        user = unique("py-ca-async")
        secret = await client.register(admin, user, secret="py-async-pw", max_enrollments=2)
        assert secret == "py-async-pw"
        # Two enrollments at once.
        a, b = await asyncio.gather(client.enroll(user, secret), client.enroll(user, secret))
        assert a.common_name == b.common_name == user
        assert a.certificate_pem != b.certificate_pem
        # The third is refused: max_enrollments=2.
        with pytest.raises(fabweave.CaError) as caught:
            await client.enroll(user, secret)
        assert caught.value.code == 20
        found = await client.identity(admin, user)
        assert found.max_enrollments == 2
        return a.identity()

    identity = asyncio.run(main())
    assert identity.msp_id == org1["mspId"]
