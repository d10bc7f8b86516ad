"""Every role reads target sets; administrators keep them."""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, ALL_ROLES, grant

MODELS = ["targetset", "theme", "measure", "measurelevel", "target"]
VIEW = [f"view_{m}" for m in MODELS]
MANAGE = [f"{action}_{m}" for m in MODELS for action in ("add", "change", "delete", "view")]


def grant_target_permissions(apps, schema_editor):
    grants = dict.fromkeys(ALL_ROLES, VIEW)
    grants[ADMINISTRATOR] = MANAGE
    grant(apps, schema_editor, app_label="targets", grants=grants)


class Migration(migrations.Migration):
    dependencies = [
        ("targets", "0001_initial"),
        ("authorities", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_target_permissions, migrations.RunPython.noop)]
