"""The demo returns (fixtures/demo/*.csv, riep/demo_returns.py), as `make run` loads them:
`load_reference_data`, then `setup_demo`: the December 2009 returns (2009/10 Q3) and the
2009/10 Q2 returns reconstructed from the figures they date on or before 30/09/2009."""

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
from riep.demo_returns import COLUMNS, DEMO_DIR, DemoDataError, load_demo_returns, read_demo_file
from targets.models import TargetSet

Q2 = Quarter(2009, 2)
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


def line(sub_region: str, authority: str, target: str, quarter: Quarter = Q3) -> ReturnLine:
    number_or_code = {"target__number": target} if target.isdigit() else {"target__code": target}
    return ReturnLine.objects.select_related("target").get(
        return_obj__sub_region__slug=sub_region,
        return_obj__target_set__slug="stretch-targets",
        return_obj__year=quarter.year,
        return_obj__quarter=quarter.quarter,
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
    assert written.filter(return_obj__quarter=3).count() == 186
    assert written.filter(return_obj__quarter=2).count() == 23  # 1 + 18 + 4
    assert written.count() == 186 + 23
    assert not written.filter(source="").exists()
    for path in sorted(DEMO_DIR.glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        assert "# Skipped" in text, path.name
        rows = read_demo_file(path)
        assert all(row["source"] for _, row in rows)
        assert list(rows[0][1]) == list(COLUMNS)


def test_derbyshire_and_lincolnshire_are_signed_off_the_others_are_drafts(demo):
    statuses = dict(Return.objects.filter(quarter=3).values_list("sub_region__slug", "status"))

    assert statuses == {
        "derbyshire": ReturnStatus.APPROVED,
        "leicestershire-rutland": ReturnStatus.DRAFT,
        "lincolnshire": ReturnStatus.APPROVED,
        "northamptonshire": ReturnStatus.DRAFT,
        "nottinghamshire": ReturnStatus.DRAFT,
    }
    trail = [
        (t.from_status, t.to_status, t.actor.username)
        for t in Transition.objects.filter(
            return_obj__sub_region__slug="lincolnshire", return_obj__quarter=3
        )
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
    assert Return.objects.filter(quarter=2).count() == 3  # the Q2 returns are covered too
    q2_history = ReturnLine.history.filter(return_obj__quarter=2).count()
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
    assert ReturnLine.history.filter(return_obj__quarter=2).count() == q2_history


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


# ---------------------------------------------------------------- the reconstructed 2009/10 Q2


def test_q2_is_reconstructed_for_the_sub_regions_whose_papers_date_earlier_figures(demo):
    statuses = dict(Return.objects.filter(quarter=2).values_list("sub_region__slug", "status"))

    # Leicestershire/Rutland's and Nottinghamshire's papers date no figure: no Q2 return.
    assert statuses == {
        "derbyshire": ReturnStatus.APPROVED,
        "lincolnshire": ReturnStatus.APPROVED,
        "northamptonshire": ReturnStatus.APPROVED,
    }
    trail = [
        (t.from_status, t.to_status, t.actor.username)
        for t in Transition.objects.filter(
            return_obj__sub_region__slug="northamptonshire", return_obj__quarter=2
        )
    ]
    assert trail == [
        ("draft", "draft", "pm-northamptonshire"),
        ("draft", "submitted", "pm-northamptonshire"),
        ("submitted", "approved", "director"),
    ]


def test_q2_is_loaded_and_closed_before_any_q3_return_is_written(demo):
    last_q2 = Transition.objects.filter(return_obj__quarter=2).order_by("-pk").first()
    first_q3 = Transition.objects.filter(return_obj__quarter=3).order_by("pk").first()
    first_q3_line = ReturnLine.history.filter(return_obj__quarter=3).order_by("history_id")[0]
    last_q2_line = ReturnLine.history.filter(return_obj__quarter=2).order_by("-history_id")[0]

    assert last_q2.to_status == ReturnStatus.APPROVED
    assert last_q2.pk < first_q3.pk
    assert last_q2_line.history_id < first_q3_line.history_id


def test_every_q2_figure_is_dated_by_the_paper_within_or_before_q2(demo):
    written = ReturnLine.objects.filter(return_obj__quarter=2).exclude(changed_in_version=1)

    for written_line in written:
        assert written_line.source.startswith("reconstructed Q2: "), written_line.source
        assert written_line.actual is not None
        assert written_line.date_of_data is not None
        assert written_line.date_of_data <= date(2009, 9, 30)
        assert not written_line.manual_rating  # the papers' ratings are December's
    # Everything else stays awaiting data: nothing dated after Q2 is carried back.
    lincolnshire_caa = line("lincolnshire", "boston", "4", Q2)
    assert (lincolnshire_caa.state, lincolnshire_caa.actual) == ("awaiting", None)
    assert line("lincolnshire", "boston", "7", Q2).actual is None  # NI 179 dated 31/10/09


def test_q2_lincolnshire_holds_the_figures_of_its_december_return_dated_by_september(demo):
    for authority, target in [("boston", "9"), ("south-kesteven", "9"), ("lincolnshire", "8")]:
        earlier, later = (
            line("lincolnshire", authority, target, Q2),
            line("lincolnshire", authority, target),
        )
        assert (earlier.actual, earlier.target_value, earlier.date_of_data) == (
            later.actual,
            later.target_value,
            later.date_of_data,
        )
    boston = line("lincolnshire", "boston", "9", Q2)
    assert (boston.actual, boston.date_of_data) == (Decimal("12.91"), date(2009, 9, 30))
    assert boston.source == (
        "reconstructed Q2: figure dated 30/09/09 in 002, item 8, Lincolnshire return, "
        "target 9 row 'Boston Borough Council' (paper's symbol: ★ better than tolerance)"
    )
    assert line("lincolnshire", "lincolnshire", "6", Q2).actual == Decimal(71)


def test_q2_northamptonshire_neet_and_derbyshire_neet(demo):
    northamptonshire = line("northamptonshire", "northamptonshire", "st-ni117-neet", Q2)
    assert (northamptonshire.actual, northamptonshire.target_value) == (
        Decimal("10.4"),
        Decimal("10.2"),
    )
    assert northamptonshire.date_of_data == date(2009, 9, 30)
    assert northamptonshire.computed_rating == Rating.GREEN  # 1.96% worse: within ±2%
    # The Q3 return keeps the same note as a comment, without a value.
    assert line("northamptonshire", "northamptonshire", "st-ni117-neet").actual is None

    derbyshire = line("derbyshire", "derbyshire", "st-ni117-neet", Q2)
    assert (derbyshire.actual, derbyshire.target_value) == (Decimal("6.7"), Decimal("6.2"))
    assert derbyshire.date_of_data == date(2009, 1, 31)
    assert derbyshire.computed_rating == Rating.AMBER
    assert "overall average of 6.7%" in derbyshire.comment


BAD_Q2_ROWS = {
    "dated after the quarter": (
        "2009-10-31",
        "reconstructed Q2: test",
        "after the end of 2009/10 Q2",
    ),
    "not said to be reconstructed": ("2009-09-30", "002, item 8: test", "is reconstructed"),
    "without a date": ("", "reconstructed Q2: test", "needs the date"),
}


@pytest.mark.parametrize("problem", list(BAD_Q2_ROWS))
def test_a_q2_row_the_paper_does_not_date_within_q2_is_refused(demo, tmp_path, problem):
    date_of_data, source, message = BAD_Q2_ROWS[problem]
    (tmp_path / "nottinghamshire-2009-10-q2.csv").write_text(
        "# Skipped: nothing.\n"
        + ",".join(COLUMNS)
        + f"\nnottinghamshire,Rushcliffe,stretch-targets,5,2009/10 Q2,{date_of_data},3,,,,,"
        + f"{source}\n",
        encoding="utf-8",
    )
    returns = Return.objects.count()

    with pytest.raises(DemoDataError, match=message):
        load_demo_returns(directory=tmp_path)

    assert Return.objects.count() == returns  # all or nothing
