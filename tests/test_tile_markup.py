"""The home tiles' markup made by ``{% tile_items %}`` is the template loop's it replaced (the
same elements, attributes and escaping, whitespace aside), in French."""

import re

from django.template import engines
from django.utils import translation

LOOP = """{% load i18n %}{% translate "(opens in a new tab)" as opens_in_a_new_tab %}
{% for tile in tiles %}<li>
<a class="tile" href="{{ tile.url_open }}" target="_blank" rel="noopener noreferrer">
{% if tile.logo_url %}
<img class="tile__logo" src="{{ tile.logo_url }}" alt="" width="48" height="48">
{% else %}
<span class="tile__logo tile__logo--placeholder"
 aria-hidden="true">{{ tile.name|slice:":1"|upper }}</span>{% endif %}
<span class="tile__name">{{ tile.name }}</span>
<span class="visually-hidden">{{ opens_in_a_new_tab }}</span>
</a></li>{% endfor %}"""
TAG = """{% load i18n portal_tiles %}{% translate "(opens in a new tab)" as opens_in_a_new_tab %}
{% tile_items tiles opens_in_a_new_tab %}"""


def normalised(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def test_tile_items_is_the_template_loop():
    tiles = [
        {"name": '<Ça & "co">', "logo_url": None, "url_open": "/ouvrir/1/?a=1&b=2"},
        {"name": "éric", "logo_url": "/logo/2/v'3/", "url_open": "/ouvrir/2/"},
        {"name": "", "logo_url": "", "url_open": "/ouvrir/3/"},
    ]
    engine = engines["django"]
    with translation.override("fr"):
        loop = engine.from_string(LOOP).render({"tiles": tiles})
        tag = engine.from_string(TAG).render({"tiles": tiles})
    assert normalised(tag) == normalised(loop)
    assert "&lt;Ça &amp; &quot;co&quot;&gt;" in tag and "&lt;script" not in tag
    assert tag.count('class="tile"') == 3 and "s’ouvre dans un nouvel onglet" in tag  # noqa: RUF001
