"""Every role reads projects, year targets and milestones; administrators keep them."""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, ALL_ROLES, grant

MODELS = ["project", "projectauthority", "projecttarget", "yeartarget", "milestone"]


def grant_permissions(apps, schema_editor):
    grants = dict.fromkeys(ALL_ROLES, [f"view_{name}" for name in MODELS])
    grants[ADMINISTRATOR] = [
        f"{action}_{name}" for name in MODELS for action in ("add", "change", "delete", "view")
    ]
    grant(apps, schema_editor, app_label="targets", grants=grants)


class Migration(migrations.Migration):
    dependencies = [("targets", "0006_plans_and_projects")]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
