"""Who may do what with Board papers.

* The Director composes (meetings, agenda items, papers and their sections), builds and issues
  papers, and reads everything.
* Board members and administrators read issued papers (and the meetings they belong to).
* Programme managers read issued papers too: a paper is issued to the Board, whose packs the
  partnership publishes (seed 001 §2.2), so it is no secret from the sub-regions; they never
  see drafts. Figures restated since the issue are shown to each reader only for the
  sub-regions whose returns they may see (reports.papers.issuing.restatements).
"""

from django.db import migrations

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER, grant

COMPOSE = [
    f"{action}_{model}"
    for model in ("meeting", "agendaitem", "paper", "section")
    for action in ("add", "change", "delete", "view")
]
READ_ISSUED = ["view_meeting", "view_agendaitem", "view_issuedpaper"]


def grant_paper_permissions(apps, schema_editor):
    grant(
        apps,
        schema_editor,
        app_label="reports",
        grants={
            DIRECTOR: [
                *COMPOSE,
                "issue_paper",
                "view_issuedpaper",
                "add_paperbuild",
                "view_paperbuild",
            ],
            BOARD_MEMBER: READ_ISSUED,
            ADMINISTRATOR: READ_ISSUED,
            PROGRAMME_MANAGER: READ_ISSUED,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("returns", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_paper_permissions, migrations.RunPython.noop)]
