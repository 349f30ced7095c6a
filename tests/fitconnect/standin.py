"""Set-up of a stand-in FIT-Connect Zustelldienst: the platform's own Submission API
(`/fit-connect`), run as a SEPARATE process on a database of its own (a SQLite file), as the
external Zustelldienst the platform sends to (tests/fitconnect/test_outbound.py). It is our
implementation of FITKO's documented API, not FITKO's Zustelldienst.

`python -m tests.fitconnect.standin setup` (with DJANGO_SETTINGS_MODULE =
tests.fitconnect.standin_settings) makes the tables and a member; `destination` registers a
destination for the subscriber's public keys (JSON on stdin: {"enc": JWK, "sig": JWK,
"leika": key}) with a sender and a subscriber client and prints their ids and secrets;
`--weak-key` afterwards swaps the stored encryption key for one of 2048 bit (what a
misconfigured Zustelldienst could deliver; the platform's own checks would refuse it), and
`--wrong-use` for one with `key_ops ["verify"]`.
"""

import json
import sys

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command

    from openkommune.tenancy.constants import OrganisationKind
    from openkommune.tenancy.models import Organisation

    action = sys.argv[1]
    if action == "setup":
        call_command("migrate", run_syncdb=True, verbosity=0)
        Organisation.objects.create(
            name="Demo-Stadt Zustelldienst (Test)",
            short_name="Demo-Stadt",
            kind=OrganisationKind.GEMEINDE,
            city="Demo-Stadt",
            region_ars="091620000000",
            is_demo=True,
        )
        print(json.dumps({"ok": True}))
        return
    from jwcrypto import jwk

    from openkommune.fitconnect import services
    from openkommune.fitconnect.constants import ClientRole, KeyUse

    given = json.load(sys.stdin)
    member = Organisation.objects.get(region_ars="091620000000")
    destination = services.create_destination(
        tenant=member,
        leika_keys=[given["leika"]],
        encryption_jwk=given["enc"],
        signature_jwk=given["sig"],
    )
    if "--weak-key" in sys.argv:
        weak = jwk.JWK.generate(kty="RSA", size=2048).export_public(as_dict=True)
        weak.update(kid=given["enc"]["kid"], alg="RSA-OAEP-256", key_ops=["wrapKey"])
        destination.keys.filter(use=KeyUse.ENCRYPTION).update(jwk=weak)
    if "--wrong-use" in sys.argv:
        wrong = dict(given["enc"], key_ops=["verify"])
        destination.keys.filter(use=KeyUse.ENCRYPTION).update(jwk=wrong)
    sender = services.create_client(tenant=member, role=ClientRole.SENDER, destination=destination)
    subscriber = services.create_client(
        tenant=member, role=ClientRole.SUBSCRIBER, destination=destination
    )
    print(
        json.dumps(
            {
                "destinationId": str(destination.destination_id),
                "sender": {"id": str(sender.client.client_id), "secret": sender.secret},
                "subscriber": {
                    "id": str(subscriber.client.client_id),
                    "secret": subscriber.secret,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
