"""The production smoke's data, run by ``comptoir shell -c`` on the freshly migrated database.

One firm (slug ``cabinet-durand``, so that the demo's wiring applies) with its admin, one
client company ("Boulangerie Martin") and the demo's automation apps connected to it: the
HTTPS app "Automatiser Horizon Relevés" (bank statements) pointed at the smoke's receiver, and
e-mail apps that send to its SMTP server. Reuses the demo's own seeding functions.
Reads SMOKE_RECEIVER_URL, SMOKE_EMAIL and SMOKE_PASSWORD; prints one JSON line.
"""

import json
import os

from django.contrib.auth.hashers import make_password

from comptoir.accounts.models import User
from comptoir.companies.services import company_create
from comptoir.demo import deliveries as deliveries_demo
from comptoir.demo import store as store_demo
from comptoir.firms.models import FirmMembership
from comptoir.firms.services import firm_create

firm = firm_create(name="Cabinet Durand & Associés", slug="cabinet-durand", brand_colour="#1f5f8b")
admin = User.objects.create(
    email=os.environ["SMOKE_EMAIL"],
    full_name="Sophie Durand",
    password=make_password(os.environ["SMOKE_PASSWORD"]),
)
FirmMembership.objects.create(firm=firm, user=admin, role="admin")
company = company_create(actor=admin, firm=firm, name="Boulangerie Martin", siret="73282932000074")
store_demo.seed_store({firm.slug: firm}, installed_by={firm.slug: admin})  # tiles
connected = deliveries_demo.seed_connections(
    {firm.slug: firm}, {(firm.slug, company.name): company}
)
moved = deliveries_demo.point_demo_apps_at(os.environ["SMOKE_RECEIVER_URL"])
print(
    json.dumps(
        {
            "firm": firm.pk,
            "company": company.pk,
            "connections": connected.get(f"{firm.slug}:connections", 0),
            "moved": moved,
        }
    )
)
