"""django-allauth comes in (issue 9).

* The database cache table (``comptoir_cache``): login throttling counts must be shared by
  every web process. Created here so that ``comptoir migrate`` is all a deployment runs; when
  REDIS_URL points the cache at Redis, ``createcachetable`` has nothing to do.
* Every existing login gets a verified primary allauth ``EmailAddress``: the invitation link
  they used proved their address (password reset and two-factor rely on it).
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    from django.conf import settings

    for cache in settings.CACHES.values():
        if cache["BACKEND"].endswith("DatabaseCache"):
            table = schema_editor.quote_name(cache["LOCATION"])
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


def verified_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=pk, email=email.lower(), verified=True, primary=True)
            for pk, email in User.objects.values_list("pk", "email").iterator()
            if pk not in known
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_invitation_consent_and_default_context"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=False),
        migrations.RunPython(verified_addresses, migrations.RunPython.noop),
    ]
