"""Who may do what with minutes and actions (issue 13 item 3).

* The Director records decisions and actions, marks actions done and carries them on.
* Board members, administrators and programme managers read them: the minutes are published
  with the Board's pack (seed 002), as the issued papers are (0002_roles).
"""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER, grant

READ = ["view_decision", "view_action"]
WRITE = [f"{action}_{model}" for model in ("decision", "action") for action in ("add", "change")]


def grant_minutes_permissions(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        app_label="reports",
        grants={
            DIRECTOR: [*WRITE, *READ],
            BOARD_MEMBER: READ,
            ADMINISTRATOR: READ,
            PROGRAMME_MANAGER: READ,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_meetings_minutes_actions"),
    ]

    operations = [migrations.RunPython(grant_minutes_permissions, migrations.RunPython.noop)]
