"""Regions of Mali (and the cercle of Kati, which the CoPs treat as one)."""

from django.db import migrations

REGIONS = [
    ("bamako", "Bamako", "district"),
    ("kayes", "Kayes", "region"),
    ("koulikoro", "Koulikoro", "region"),
    ("sikasso", "Sikasso", "region"),
    ("segou", "Ségou", "region"),
    ("mopti", "Mopti", "region"),
    ("tombouctou", "Tombouctou", "region"),
    ("gao", "Gao", "region"),
    ("kidal", "Kidal", "region"),
    ("menaka", "Ménaka", "region"),
    ("taoudenit", "Taoudénit", "region"),
    ("kati", "Kati", "cercle"),
]


def add_regions(apps, schema_editor):
    Region = apps.get_model("forum", "Region")
    for slug, name, kind in REGIONS:
        Region.objects.update_or_create(slug=slug, defaults={"name": name, "kind": kind})


def remove_regions(apps, schema_editor):
    apps.get_model("forum", "Region").objects.filter(slug__in=[r[0] for r in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_initial")]
    operations = [migrations.RunPython(add_regions, remove_regions)]
