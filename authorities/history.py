"""Starting the history of records that existed before their model kept one (migrations), and
naming who made the changes a command writes (``recorded_as``).

django-simple-history writes a record at each save from the day a model has history; a row
that already existed has none, so its first change would show the new values but not the old.
``start_history`` gives every existing row one initial record ("+", now, with a reason saying
so), its many-to-many rows included, so that the first change after the migration diffs
against what the row held. Written for ``RunPython``: it reads the models of the migration's
state (``apps``), never the current ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from types import SimpleNamespace

from django.utils import timezone

REASON = "History started: the record as it was when its changes began to be kept."
_HISTORY_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
}


def start_history(
    apps,
    schema_editor,
    *,
    models: Iterable[str],
    history_app: str | None = None,
    m2m: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """One initial history record for every row of each model ("app_label.Model"); the
    historical models live in ``history_app`` (default: the model's own app). ``m2m`` names,
    per model, the many-to-many fields whose rows the record also keeps."""
    database = schema_editor.connection.alias
    now = timezone.now()
    for label in models:
        model = apps.get_model(label)
        app_label = history_app or model._meta.app_label
        historical = apps.get_model(app_label, f"Historical{model.__name__}")
        fields = [
            field.attname
            for field in historical._meta.concrete_fields
            if field.attname not in _HISTORY_FIELDS
        ]
        m2m_fields = list((m2m or {}).get(label, ()))
        for obj in model._default_manager.using(database).order_by("pk").iterator():
            record = historical(
                **{name: getattr(obj, name) for name in fields},
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
            )
            record.save(using=database)
            for name in m2m_fields:
                _start_m2m(apps, app_label, model, name, obj, record, database)


def _start_m2m(apps, app_label, model, name, obj, record, database) -> None:
    through = model._meta.get_field(name).remote_field.through
    historical = apps.get_model(app_label, f"Historical{model.__name__}_{name}")
    columns = [
        field.attname
        for field in historical._meta.concrete_fields
        if field.attname not in {"m2m_history_id", "history_id"}
    ]
    source = model._meta.model_name
    rows = through._default_manager.using(database).filter(**{f"{source}_id": obj.pk})
    historical._default_manager.using(database).bulk_create(
        historical(**{column: getattr(row, column) for column in columns}, history=record)
        for row in rows
    )


@contextmanager
def recorded_as(user, reason: str = ""):
    """Within the block, history records written outside a request name ``user`` as who made
    the change, and ``reason`` as why (unless the record says already): for commands such as
    ``load_reference_data``, whose saves have no request to name the user."""
    from simple_history.models import HistoricalRecords
    from simple_history.signals import pre_create_historical_record

    def give_reason(sender, history_instance, **kwargs):
        if reason and not history_instance.history_change_reason:
            history_instance.history_change_reason = reason

    context = HistoricalRecords.context
    had_request = hasattr(context, "request")
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    pre_create_historical_record.connect(give_reason, weak=False)
    try:
        yield
    finally:
        pre_create_historical_record.disconnect(give_reason)
        if had_request:
            context.request = previous
        else:
            del context.request
