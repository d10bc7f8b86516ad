"""Every role reads lineage links; administrators keep them."""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, ALL_ROLES, grant


def grant_lineage_permissions(apps, schema_editor):
    grants = dict.fromkeys(ALL_ROLES, ["view_targetlineage"])
    grants[ADMINISTRATOR] = [
        f"{action}_targetlineage" for action in ("add", "change", "delete", "view")
    ]
    grant(apps, schema_editor, app_label="targets", grants=grants)


class Migration(migrations.Migration):
    dependencies = [("targets", "0003_threshold_words_lineage")]

    operations = [migrations.RunPython(grant_lineage_permissions, migrations.RunPython.noop)]
