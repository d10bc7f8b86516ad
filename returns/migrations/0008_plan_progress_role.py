"""The Director records an improvement plan's progress ratings (seed 004's monitoring)."""

from django.db import migrations

from authorities.roles import DIRECTOR, grant


def grant_permissions(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        app_label="returns",
        grants={DIRECTOR: ["record_plan_progress"]},
    )


class Migration(migrations.Migration):
    dependencies = [("returns", "0007_plan_ratings"), ("targets", "0007_plans_projects_roles")]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
