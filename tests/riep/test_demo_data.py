"""The demo returns (fixtures/demo/*.csv, riep/demo_returns.py), as `make run` loads them:
`load_reference_data`, then `setup_demo`."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from returns.models import Rating, Return, ReturnLine, ReturnStatus, Transition
from returns.overall import overall_ratings
from returns.periods import Quarter
from riep.demo_returns import COLUMNS, DEMO_DIR, read_demo_file
from targets.models import TargetSet

Q3 = Quarter(2009, 3)
DERBYSHIRE_REASON = "Derbyshire return, December 2009 (seed 002, item 8)"


@pytest.fixture(scope="module")
def demo_database(django_db_setup, django_db_blocker):
    """Load once for the module, inside a transaction rolled back at its end (each test's own
    changes are rolled back to this state by pytest-django's per-test savepoint)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", verbosity=0)
        call_command("setup_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_database, db):
    return None


def line(sub_region: str, authority: str, target: str) -> ReturnLine:
    number_or_code = {"target__number": target} if target.isdigit() else {"target__code": target}
    return ReturnLine.objects.select_related("target").get(
        return_obj__sub_region__slug=sub_region,
        return_obj__target_set__slug="stretch-targets",
        return_obj__year=2009,
        return_obj__quarter=3,
        authority__slug=authority,
        **number_or_code,
    )


def test_lincolnshire_ni179_for_boston(demo):
    boston = line("lincolnshire", "boston", "7")

    assert boston.target.indicator == "NI 179"
    assert (boston.actual, boston.target_value) == (Decimal(503), Decimal(913))
    assert boston.status == "worse"
    assert boston.computed_rating == Rating.RED
    assert boston.date_of_data == date(2009, 10, 31)
    assert "target 7 row 'Boston Borough Council'" in boston.source


def test_lincolnshire_values_keep_their_dates_of_data(demo):
    assert line("lincolnshire", "south-kesteven", "9").date_of_data == date(2009, 3, 31)
    assert line("lincolnshire", "south-kesteven", "9").actual == Decimal("15.9")
    assert line("lincolnshire", "lincolnshire", "8").date_of_data == date(2009, 9, 30)
    assert line("lincolnshire", "lincolnshire", "8").actual == Decimal("92.79")
    assert line("lincolnshire", "boston", "4").actual == Decimal(1)
    assert line("lincolnshire", "lincolnshire", "11").target_value == Decimal("4.2")


def test_derbyshire_amber_valley_use_of_resources_is_rated_red_by_hand(demo):
    amber_valley = line("derbyshire", "amber-valley", "5")

    assert amber_valley.manual_rating == Rating.RED
    assert amber_valley.manual_reason == DERBYSHIRE_REASON
    assert amber_valley.actual == Decimal(2)
    assert amber_valley.computed_rating == Rating.AMBER  # the override stays visible
    assert amber_valley.effective_rating == Rating.RED
    assert amber_valley.date_of_data is None


def test_derbyshire_numbers_neet_10_and_ni1_11(demo):
    derby_neet = line("derbyshire", "derby-city", "st-ni117-neet")
    derby_ni1 = line("derbyshire", "derby-city", "st-ni1-cohesion")

    assert (derby_neet.target.number, derby_neet.manual_rating) == ("11", Rating.GREEN)
    assert derby_neet.comment == "CAA table, NEET column: 'Improving'."
    assert (derby_ni1.target.number, derby_ni1.manual_rating) == ("10", Rating.AMBER)


def test_the_derbyshire_overall_row_comes_out_as_the_paper_printed_it(demo):
    director = get_user_model().objects.get(username="director")
    target_set = TargetSet.objects.get(slug="stretch-targets")

    overview = overall_ratings(user=director, target_set=target_set, quarter=Q3)

    row = "".join(str(item.sub_regions["derbyshire"].rating) for item in overview.targets)
    assert row == "GGGARRGAAAAR"


def test_every_council_has_its_use_of_resources_score(demo):
    scored = ReturnLine.objects.filter(
        target__code="st-use-of-resources-level-3", actual__isnull=False
    )

    # 45 councils in Appendix 3 (the national park has no score) and the two fire
    # authorities with a score (Derbyshire in Appendix 3, Lincolnshire in its return).
    assert scored.count() == 47
    assert line("nottinghamshire", "rushcliffe", "5").actual == Decimal(3)
    assert line("nottinghamshire", "rushcliffe", "5").date_of_data is None
    assert "Appendix 3" in line("nottinghamshire", "rushcliffe", "5").source


def test_status_notes_are_comments_on_the_lines_they_name(demo):
    assert line("leicestershire-rutland", "leicester-city", "11").comment == (
        "Current status: 'Awaiting Leicester City confirmation'"
    )
    assert "98.3%" in line("northamptonshire", "northamptonshire", "8").comment
    assert line("northamptonshire", "corby", "7").comment.endswith("'Corby - Yes'.")


def test_every_line_written_cites_its_source_and_every_file_lists_what_it_skipped(demo):
    written = ReturnLine.objects.exclude(changed_in_version=1)
    assert written.count() == 186
    assert not written.filter(source="").exists()
    for path in sorted(DEMO_DIR.glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        assert "# Skipped" in text, path.name
        rows = read_demo_file(path)
        assert all(row["source"] for _, row in rows)
        assert list(rows[0][1]) == list(COLUMNS)


def test_derbyshire_and_lincolnshire_are_signed_off_the_others_are_drafts(demo):
    statuses = dict(Return.objects.values_list("sub_region__slug", "status"))

    assert statuses == {
        "derbyshire": ReturnStatus.APPROVED,
        "leicestershire-rutland": ReturnStatus.DRAFT,
        "lincolnshire": ReturnStatus.APPROVED,
        "northamptonshire": ReturnStatus.DRAFT,
        "nottinghamshire": ReturnStatus.DRAFT,
    }
    trail = [
        (t.from_status, t.to_status, t.actor.username)
        for t in Transition.objects.filter(return_obj__sub_region__slug="lincolnshire")
    ]
    assert trail == [
        ("draft", "draft", "pm-lincolnshire"),
        ("draft", "submitted", "pm-lincolnshire"),
        ("submitted", "approved", "director"),
    ]


def test_lines_are_written_by_the_programme_manager_with_history(demo):
    boston = line("lincolnshire", "boston", "7")
    latest = boston.history.order_by("-history_id").first()

    assert latest.history_user.username == "pm-lincolnshire"
    assert latest.history_change_reason == "demo: fixtures/demo/lincolnshire-2009-10-q3.csv"


def test_running_setup_demo_twice_changes_nothing(demo):
    counts = (
        ReturnLine.history.count(),
        Transition.objects.count(),
        Return.objects.count(),
        ReturnLine.objects.count(),
    )
    versions = dict(Return.objects.values_list("pk", "version"))

    call_command("setup_demo", verbosity=0)

    assert (
        ReturnLine.history.count(),
        Transition.objects.count(),
        Return.objects.count(),
        ReturnLine.objects.count(),
    ) == counts
    assert dict(Return.objects.values_list("pk", "version")) == versions


def test_the_ratings_api_answers_from_the_demo_data(demo, client):
    client.force_login(get_user_model().objects.get(username="pm-lincolnshire"))

    body = client.get(
        reverse("api-ratings"), {"target_set": "stretch-targets", "period": "2009/10 Q3"}
    ).json()

    efficiency = next(t for t in body["targets"] if t["number"] == "7")
    (lincolnshire,) = efficiency["sub_regions"]
    boston = next(a for a in lincolnshire["authorities"] if a["authority"].startswith("Boston"))
    assert boston == {
        "authority": "Boston Borough Council",
        "actual": "503",
        "target_value": "913",
        "status": "worse",
        "computed": "R",
        "manual": None,
        "effective": "R",
    }
    assert lincolnshire["rating"] == "R"
    assert efficiency["region"]["explanation"].startswith("Over Lincolnshire only")
