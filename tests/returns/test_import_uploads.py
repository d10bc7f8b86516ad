"""An import previewed, then applied from the kept upload without choosing the file again; only
by its uploader; refused if a return changed since; deleted after use or expiry; large files
by the real task worker, with their progress."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from authorities.models import SubRegion
from returns import import_uploads, services
from returns.models import ImportUpload, Return, ReturnLine, UploadState
from returns.periods import Quarter
from tests.factories import make_user
from tests.returns.test_importing import build_world, csv_file, row
from tests.worker_support import wait_for, worker_process

IMPORT = reverse("returns:import")


@pytest.fixture
def world(db):
    return build_world()


def upload_file(client, user, content: bytes, name: str = "december.csv"):
    client.force_login(user)
    response = client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportUpload.objects.latest("pk"), response["Location"]


def amber_valley(world):
    return ReturnLine.objects.get(authority__slug="amber-valley", target=world.targets["invoices"])


def test_the_preview_lists_every_change_and_every_notice(client, world):
    content = csv_file(
        [
            row("Amber Valley", "5", "96", date_of_data="2009-12-09"),
            row("Derbyshire", "4", "2", rag="R", reason="Red by hand"),
            row("Derbyshire Fire", "7", "18"),  # districts and unitaries only: a notice
        ]
    )

    upload, page = upload_file(client, world.pm, content)
    text = client.get(page).content.decode()

    assert upload.state == UploadState.CHECKED
    assert "3 lines would change" in text
    assert '<th scope="row">Amber Valley, target 5</th>' in text
    assert "<td>awaiting data</td>" in text
    assert "<td>96%</td>" in text
    assert 'class="rag rag--GREY">Grey' in text
    assert 'class="rag rag--G">G' in text  # 96% meets 95%: the engine's rating
    assert "Derbyshire Fire, target 7 (outside the target&#x27;s scope)" in text
    assert "Notices (1)" in text
    assert "does not cover Derbyshire Fire and Rescue Service" in text
    assert not Return.objects.exists()


def test_apply_imports_the_same_upload_once_and_deletes_the_file(client, world):
    upload, _ = upload_file(client, world.pm, csv_file([row("Amber Valley", "5", "96")]))

    applied = client.post(reverse("returns:upload-apply", args=[upload.pk]))
    again = client.post(reverse("returns:upload-apply", args=[upload.pk]), follow=True)

    assert applied.status_code == 302
    assert amber_valley(world).actual == Decimal("96")
    upload.refresh_from_db()
    assert upload.state == UploadState.APPLIED
    assert bytes(upload.content) == b""
    assert "it cannot be applied now" in again.content.decode()
    assert ReturnLine.history.filter(history_change_reason="import: december.csv").count() == 1


def test_only_the_uploader_sees_or_applies_an_upload(client, world):
    upload, page = upload_file(client, world.pm, csv_file([row("Amber Valley", "5", "96")]))
    colleague = make_user("Programme Manager", sub_region=world.derbyshire)
    client.force_login(colleague)

    assert client.get(page).status_code == 404
    assert client.post(reverse("returns:upload-apply", args=[upload.pk])).status_code == 404
    assert client.get(reverse("returns:upload-status", args=[upload.pk])).status_code == 404
    assert not Return.objects.exists()


def test_applying_is_refused_when_the_return_changed_since_the_preview(client, world):
    first, _ = upload_file(client, world.pm, csv_file([row("Amber Valley", "5", "90")]))
    client.post(reverse("returns:upload-apply", args=[first.pk]))
    upload, _ = upload_file(client, world.pm, csv_file([row("Amber Valley", "5", "96")]))
    return_obj = Return.objects.get()
    services.update_lines(  # a colleague saves the grid meanwhile
        return_obj=return_obj,
        changes={
            (amber_valley(world).authority_id, world.targets["invoices"].pk): {"comment": "x"}
        },
        actor=world.pm,
        channel="web",
    )

    refused = client.post(reverse("returns:upload-apply", args=[upload.pk]), follow=True)

    text = refused.content.decode()
    assert "changed since the preview" in text
    assert "Nothing was changed" in text
    assert amber_valley(world).actual == Decimal("90")
    upload.refresh_from_db()
    assert upload.state == UploadState.FAILED
    assert bytes(upload.content)  # kept, to be checked again

    client.post(reverse("returns:upload-check", args=[upload.pk]))
    client.post(reverse("returns:upload-apply", args=[upload.pk]))
    assert amber_valley(world).actual == Decimal("96")


def test_a_return_created_since_the_preview_refuses_the_application(client, world):
    upload, _ = upload_file(client, world.pm, csv_file([row("Amber Valley", "5", "96")]))
    services.open_return(
        sub_region=world.derbyshire,
        target_set=world.stretch,
        quarter=Quarter(2009, 3),
        actor=world.pm,
    )

    client.post(reverse("returns:upload-apply", args=[upload.pk]))

    upload.refresh_from_db()
    assert upload.state == UploadState.FAILED
    assert amber_valley(world).actual is None


def test_a_target_set_is_recognised_by_its_title_as_the_screens_show_it(client, world):
    content = csv_file([row("Amber Valley", "5", "96", target_set="12 Stretch Targets")])

    upload, _ = upload_file(client, world.pm, content)

    assert upload.state == UploadState.CHECKED


def test_an_expired_upload_cannot_be_applied_and_is_deleted(client, world):
    upload, _ = upload_file(client, world.pm, csv_file([row("Amber Valley", "5", "96")]))
    ImportUpload.objects.filter(pk=upload.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = client.post(reverse("returns:upload-apply", args=[upload.pk]), follow=True)

    assert "has expired" in response.content.decode()
    assert not Return.objects.exists()
    assert import_uploads.purge_expired() == 1
    assert not ImportUpload.objects.exists()


def test_the_import_page_lists_ones_own_recent_uploads_and_links_back(client, world):
    upload, _ = upload_file(client, world.pm, csv_file([row("Amber Valley", "5", "96")]))
    client.post(reverse("returns:upload-apply", args=[upload.pk]))
    return_obj = Return.objects.get()

    text = client.get(IMPORT, {"return": return_obj.pk}).content.decode()

    assert f'href="{reverse("returns:upload", args=[upload.pk])}"' in text
    assert "You came from" in text
    assert "sub_region=derbyshire" in text


def test_a_large_file_waits_for_the_worker_and_a_lost_task_fails_it(client, world, settings):
    settings.IMPORT_INLINE_MAX_BYTES = 10
    upload, page = upload_file(client, world.pm, csv_file([row("Amber Valley", "5", "96")]))

    assert upload.background
    assert upload.state == UploadState.CHECKING
    assert upload.task_id
    text = client.get(page).content.decode()
    assert "data-build-status" in text
    assert "paper-build.js" in text

    ImportUpload.objects.filter(pk=upload.pk).update(task_id="no-such-task")
    status = client.get(reverse("returns:upload-status", args=[upload.pk])).json()
    assert status["status"] == UploadState.FAILED
    assert status["finished"] is True
    assert "worker stopped" in client.get(page).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_applied_by_the_real_worker(client, settings, tmp_path):
    # On the reference data (load_reference_data is idempotent: whatever an earlier module
    # left behind, the test starts from the same sub-regions and targets).
    call_command("load_reference_data", verbosity=0)
    pm = make_user(
        "Programme Manager", sub_region=SubRegion.objects.get(slug="derbyshire"), username="pm-w"
    )
    settings.IMPORT_INLINE_MAX_BYTES = 10
    rows = [
        row("Amber Valley", "8", "96", target_set="EM IEP 12 stretch targets"),
        row("Derbyshire", "4", "3", target_set="stretch-targets"),
    ]

    upload, page = upload_file(client, pm, csv_file(rows))
    with worker_process(tmp_path):
        wait_for(
            lambda: ImportUpload.objects.filter(pk=upload.pk, state=UploadState.CHECKED).exists(),
            timeout=60,
            what="the worker to check the file",
            log=tmp_path / "worker.log",
        )
        assert "Apply this import" in client.get(page).content.decode()
        client.post(reverse("returns:upload-apply", args=[upload.pk]))
        wait_for(
            lambda: ImportUpload.objects.filter(pk=upload.pk, state=UploadState.APPLIED).exists(),
            timeout=60,
            what="the worker to apply the file",
            log=tmp_path / "worker.log",
        )

    line = ReturnLine.objects.get(authority__slug="amber-valley", target__number="8")
    assert line.actual == Decimal("96")
    status = client.get(reverse("returns:upload-status", args=[upload.pk])).json()
    assert status == {
        "status": "applied",
        "status_label": "Applied",
        "stage": "Applied",
        "progress": 100,
        "finished": True,
    }
    assert "Imported december.csv: 1 return created, 2 lines changed" in (
        client.get(page).content.decode()
    )


def test_the_preview_shows_a_sub_regions_own_rating_without_one_before(client, world):
    content = csv_file([row("Derbyshire SRP", "5", "", rag="A", reason="Mostly paid on time.")])

    upload, page = upload_file(client, world.pm, content)
    text = client.get(page).content.decode()

    assert upload.state == UploadState.CHECKED
    assert "Derbyshire&#x27;s own rating, target 5" in text
    assert "Not rated" in text  # no own rating before
    assert 'class="rag rag--A">A' in text
