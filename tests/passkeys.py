"""A stored passkey (WebAuthn credential) made here with fido2's own types, for tests that need
one in the database without a browser (tests/browser/test_two_factor.py registers real ones)."""

import hashlib
import os

from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    RegistrationResponse,
)


def passkey_create(user, *, name: str = "Clé de test", rp_id: str = "testserver"):
    """An allauth WebAuthn authenticator for ``user``, as ``WebAuthn.add`` stores it."""
    key = ec.generate_private_key(ec.SECP256R1())
    credential_id = os.urandom(16)
    credential = AttestedCredentialData.create(
        Aaguid.NONE, credential_id, ES256.from_cryptography_key(key.public_key())
    )
    flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
    auth_data = AuthenticatorData.create(
        hashlib.sha256(rp_id.encode()).digest(), flags, 0, credential
    )
    client_data = CollectedClientData.create(
        type="webauthn.create", challenge=os.urandom(32), origin=f"https://{rp_id}"
    )
    response = RegistrationResponse(
        raw_id=credential_id,
        response=AuthenticatorAttestationResponse(
            client_data=client_data,
            attestation_object=AttestationObject.create("none", auth_data, {}),
        ),
    )
    data = dict(response)
    data["id"] = websafe_encode(credential_id)
    data["clientExtensionResults"] = {"credProps": {"rk": True}}
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": data}
    )
