"""The import and export pages: who may use them, and what they show."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from returns import importing
from returns.models import ImportUpload, Return, ReturnLine, UploadState
from returns.services import system_actor
from tests.factories import make_user
from tests.returns.test_importing import csv_file, row, run, world, xlsx_file

__all__ = ["world"]  # the fixture, imported from test_importing

IMPORT = reverse("returns:import")
EXPORT = reverse("returns:export")


def upload(content: bytes, name: str = "december.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def login(client, user):
    client.force_login(user)
    return client


def page_text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("url", [IMPORT, EXPORT])
def test_anonymous_users_are_sent_to_sign_in(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={url}")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (PROGRAMME_MANAGER, 200),
        (BOARD_MEMBER, 403),
        (DIRECTOR, 403),
        (ADMINISTRATOR, 403),
        (None, 403),
    ],
)
def test_only_programme_managers_may_import(client, world, role, status):
    user = world.pm if role == PROGRAMME_MANAGER else make_user(role)

    assert login(client, user).get(IMPORT).status_code == status
    posted = client.post(IMPORT, {"file": upload(csv_file([row("Amber Valley", "5", "96")]))})
    assert posted.status_code == (302 if status == 200 else 403)


def test_the_import_page_has_the_form_and_no_inline_script_or_style(client, world):
    response = login(client, world.pm).get(IMPORT)

    text = page_text(response)
    assert 'enctype="multipart/form-data"' in text
    assert 'type="file"' in text
    assert 'name="dry_run"' not in text  # every file is previewed first, then applied
    assert "Check the file" in text
    assert "<script" not in text
    assert "style=" not in text
    assert "<style" not in text


def test_a_good_file_is_previewed_then_applied_without_choosing_it_again(client, world):
    content = xlsx_file([row("Amber Valley", "5", 96), row("Derbyshire", "NI 117", 5.85)])

    posted = login(client, world.pm).post(IMPORT, {"file": upload(content, "dec.xlsx")})

    kept = ImportUpload.objects.get()
    assert posted.status_code == 302
    assert posted["Location"] == reverse("returns:upload", args=[kept.pk])
    assert not Return.objects.exists()  # the preview writes nothing
    preview = page_text(client.get(posted["Location"]))
    assert "1 return would be created, 2 lines would change" in preview
    assert "Amber Valley, target 5" in preview
    assert "Apply this import" in preview

    applied = client.post(reverse("returns:upload-apply", args=[kept.pk]))

    assert applied.status_code == 302
    assert [str(m) for m in get_messages(applied.wsgi_request)] == [
        "Imported dec.xlsx: 1 return created, 2 lines changed, 0 unchanged."
    ]
    changed = ReturnLine.history.filter(history_change_reason="import: dec.xlsx")
    assert changed.count() == 2  # each line of the new return written once
    assert {h.history_user for h in changed} == {world.pm}
    kept.refresh_from_db()
    assert kept.state == UploadState.APPLIED
    assert bytes(kept.content) == b""  # the file is deleted once applied
    followed = page_text(client.get(applied["Location"]))
    assert "Imported dec.xlsx" in followed
    assert "Apply this import" not in followed


def test_a_bad_file_shows_every_problem_and_changes_nothing(client, world):
    rows = [row("Amber Valley", "5", "104%"), row("Boston", "5", "96", sub_region="lincolnshire")]

    response = login(client, world.pm).post(IMPORT, {"file": upload(csv_file(rows))}, follow=True)

    assert response.status_code == 200
    text = page_text(response)
    assert "Nothing was changed." in text
    assert "<td>2</td>" in text
    assert "<td>actual</td>" in text
    assert "“104%” is over 100% for a percentage." in text
    assert "<td>3</td>" in text
    assert "you may not import rows for Lincolnshire" in text
    assert "Apply this import" not in text
    assert not Return.objects.exists()
    assert ImportUpload.objects.get().state == UploadState.REFUSED


def test_a_damaged_workbook_gives_one_clear_error(client, world):
    response = login(client, world.pm).post(
        IMPORT, {"file": upload(b"not a zip", "dec.xlsx")}, follow=True
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "whole file" in text
    assert "could not be read as an Excel workbook" in text


def test_a_file_of_another_kind_is_refused_on_the_form_at_once(client, world):
    response = login(client, world.pm).post(IMPORT, {"file": upload(b"a,b", "dec.ods")})

    assert response.status_code == 200
    assert "Upload a .csv or .xlsx file" in page_text(response)
    assert not ImportUpload.objects.exists()


def test_an_oversized_upload_is_refused_by_the_form(client, world):
    content = b"x" * (importing.MAX_BYTES + 1)

    response = login(client, world.pm).post(IMPORT, {"file": upload(content)})

    assert response.status_code == 200
    assert "the limit is 5 MB" in page_text(response)


def test_many_errors_are_listed_up_to_a_limit(client, world, monkeypatch):
    from returns import io_views

    monkeypatch.setattr(io_views, "ERRORS_SHOWN", 2)
    rows = [row("Nowhere", str(n), "1") for n in (4, 5, 6, 8)]

    response = login(client, world.pm).post(IMPORT, {"file": upload(csv_file(rows))}, follow=True)

    assert "… and 2 more problems not shown here." in page_text(response)


def _exported_rows(response) -> list[dict[str, str]]:
    content = b"".join(response) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.fixture
def two_sub_regions(world):
    rows = [row("Amber Valley", "5", "96"), row("Boston", "5", "97", sub_region="lincolnshire")]
    assert run(csv_file(rows), system_actor()).ok
    return world


def test_the_export_page_shows_the_form_with_the_users_choices(client, two_sub_regions):
    response = login(client, two_sub_regions.pm).get(EXPORT)

    assert response.status_code == 200
    text = page_text(response)
    assert '<option value="derbyshire">Derbyshire</option>' in text
    assert "lincolnshire" not in text
    assert '<option value="2009/10 Q3">2009/10 Q3</option>' in text
    assert "<script" not in text
    assert "style=" not in text


def test_a_programme_manager_exports_only_their_sub_region(client, two_sub_regions):
    response = login(client, two_sub_regions.pm).get(EXPORT, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="returns-all.csv"'
    rows = _exported_rows(response)
    assert rows
    assert {r["sub_region"] for r in rows} == {"Derbyshire"}


def test_a_programme_manager_asking_for_another_sub_region_is_refused(client, two_sub_regions):
    response = login(client, two_sub_regions.pm).get(
        EXPORT, {"format": "csv", "sub_region": "lincolnshire"}
    )

    assert response.status_code == 403


def test_a_board_member_exports_everything_as_xlsx(client, two_sub_regions):
    board = make_user(BOARD_MEMBER)

    response = login(client, board).get(
        EXPORT, {"format": "xlsx", "target_set": "stretch-targets", "period": "2009/10 Q3"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="returns-stretch-targets-2009-10-q3.xlsx"'
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == {
        "Derbyshire",
        "Lincolnshire",
    }


def test_export_without_the_permission_is_forbidden(client, db):
    assert login(client, make_user(None)).get(EXPORT, {"format": "csv"}).status_code == 403


def test_an_unknown_filter_redisplays_the_form(client, two_sub_regions):
    response = login(client, two_sub_regions.pm).get(
        EXPORT, {"format": "csv", "period": "last quarter"}
    )

    assert response.status_code == 200
    assert "is not a quarter" in page_text(response)
