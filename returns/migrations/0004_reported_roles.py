"""Programme managers record their sub-region's own overall ratings; every reader sees them."""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER, grant

READ = ["view_reportedrating", "view_overall", "view_rerating"]


def grant_permissions(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        app_label="returns",
        grants={
            PROGRAMME_MANAGER: [*READ, "add_reportedrating", "change_reportedrating"],
            BOARD_MEMBER: READ,
            DIRECTOR: READ,
            ADMINISTRATOR: READ,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("returns", "0003_stored_ratings_reported_overall")]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
