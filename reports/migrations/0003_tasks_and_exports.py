"""Background work moves to django-tasks: exports become builds too, builds know their task,
workers record heartbeats. Builds left unfinished by the web process's threads (before this
migration) can never finish now: they are marked failed, so that they can be tried again."""

import django.db.models.deletion
from django.db import migrations, models


def fail_thread_builds(apps, schema_editor):
    PaperBuild = apps.get_model("reports", "PaperBuild")
    PaperBuild.objects.filter(status__in=["queued", "running"]).update(
        status="failed",
        stage="Failed",
        error="The build was interrupted by an upgrade of the server. Try again.",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("worker_id", models.CharField(max_length=64, unique=True)),
                ("hostname", models.CharField(max_length=255)),
                ("pid", models.PositiveIntegerField()),
                ("started_at", models.DateTimeField()),
                ("seen_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["-seen_at"],
            },
        ),
        migrations.AddField(
            model_name="paperbuild",
            name="source_issue",
            field=models.ForeignKey(
                blank=True,
                help_text="For an export of an issue's frozen data: the issue.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="exports",
                to="reports.issuedpaper",
            ),
        ),
        migrations.AddField(
            model_name="paperbuild",
            name="task_id",
            field=models.CharField(blank=True, help_text="The django-tasks result.", max_length=64),
        ),
        migrations.AddField(
            model_name="paperbuild",
            name="runner",
            field=models.CharField(
                blank=True, help_text='The process making it: "host:pid".', max_length=300
            ),
        ),
        migrations.AlterField(
            model_name="paperbuild",
            name="kind",
            field=models.CharField(
                choices=[
                    ("pdf", "PDF of the draft"),
                    ("issue", "Issue (frozen PDF)"),
                    ("xlsx", "Excel of the data"),
                    ("csv", "CSV of the data"),
                ],
                default="pdf",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="paperbuild",
            name="snapshot",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(fail_thread_builds, migrations.RunPython.noop),
    ]
