"""API tokens expire, may be read-only, and may be pinned to one firm or one company.

Tokens made before this get 90 days from now (scripts keep working and their owners see the
date in "Mon compte"), and keep their read-and-write scope.
"""

from datetime import timedelta

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def expire_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + timedelta(days=90)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_shared_cache_and_verified_addresses"),
        ("companies", "0002_normalise_stored_sirets"),
        ("firms", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="company",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="companies.company",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="expires"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="firm",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="firms.firm",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "Read only"), ("write", "Read and write")],
                default="write",
                max_length=10,
                verbose_name="scope",
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("firm__isnull", True), ("company__isnull", True), _connector="OR"
                ),
                name="apitoken_pinned_once",
            ),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
    ]
