"""The Director sets the returns' deadlines; every role may read them."""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER, grant


def grant_permissions(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        app_label="returns",
        grants={
            DIRECTOR: ["view_deadline", "add_deadline", "change_deadline", "delete_deadline"],
            PROGRAMME_MANAGER: ["view_deadline"],
            BOARD_MEMBER: ["view_deadline"],
            ADMINISTRATOR: ["view_deadline"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [("returns", "0005_deadlines_notices_import_uploads")]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
