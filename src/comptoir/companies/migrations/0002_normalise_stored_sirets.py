"""Store every SIRET as its 14 ASCII digits.

Before this change, a SIRET typed in fullwidth digits (U+FF10-FF19, from a Japanese or Chinese
input method) passed the checks and was stored as typed: it escaped the per-firm uniqueness
and no import ever matched it. Each such row is rewritten with the digits ``normalize_siret``
gives today.

A clash — the normalised value is already the SIRET of another company of the same firm — is
not resolved here: which company keeps the number is a person's decision. The row keeps its
value as typed (it still shows, and the firm sees two companies with the same number) and the
migration prints the ids so that an operator can fix them in the admin. A stored value that
no longer passes the checks is left alone too, and printed.
"""

import re

from django.db import migrations

_CANONICAL = re.compile(r"^[0-9]{14}$")


def normalise_sirets(apps, schema_editor):
    from comptoir.companies.siret import SiretError, normalize_siret

    Company = apps.get_model("companies", "Company")
    db = schema_editor.connection.alias
    rows = Company.objects.using(db).filter(siret__isnull=False).only("id", "firm_id", "siret")
    odd = [row for row in rows.iterator() if not _CANONICAL.match(row.siret)]
    if not odd:
        return
    taken = set(
        Company.objects.using(db)
        .filter(firm_id__in={row.firm_id for row in odd}, siret__regex=r"^[0-9]{14}$")
        .values_list("firm_id", "siret")
    )
    left = []
    for row in odd:
        try:
            value = normalize_siret(row.siret)
        except SiretError:
            left.append(f"company {row.id}: {row.siret!r} is not a valid SIRET")
            continue
        if (row.firm_id, value) in taken:
            left.append(
                f"company {row.id}: {row.siret!r} is {value}, already another company's "
                f"SIRET in firm {row.firm_id}"
            )
            continue
        taken.add((row.firm_id, value))
        Company.objects.using(db).filter(pk=row.id).update(siret=value)
    if left:
        print("\n  SIRETs left as typed (fix them in the admin):\n  " + "\n  ".join(left))


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]

    # Rewriting digits loses nothing that can be restored: going back leaves them normalised.
    operations = [migrations.RunPython(normalise_sirets, migrations.RunPython.noop)]
