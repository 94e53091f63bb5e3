"""The day close: a Supervisor signs off an office's business day (the signed report stored as a
PDF with its SHA-256 and a chained seal over the day's books, and the ledger day seal of the
entries naming no office once every office signed off); an Admin may reopen it."""

import hashlib
import time
import uuid
from datetime import date

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cashiering.dates import us_date
from cashiering.pdf import render_pdf
from cashiering.people import person_name
from payments.models import Drawer, Office
from reconciliation.errors import DayClosed, DayNotClosable
from reconciliation.models import DaySignoff, LedgerDaySeal, SafeCount
from reconciliation.selectors_daily import DailyBalancing, daily_balancing


def _day_refusals(office: Office, day: date) -> list[str]:
    """Why the day cannot close yet: live drawers still open or counted but not signed off
    (opened on or before the day), and no safe count of the day."""
    reasons = []
    waiting = (
        Drawer.objects.filter(
            office=office,
            training=False,
            opened_on__lte=day,
            status__in=[Drawer.Status.OPEN, Drawer.Status.CLOSING],
            # an open remittance batch has posted nothing yet: it posts on the day it posts
            kind=Drawer.Kind.COUNTER,
        )
        .select_related("workstation", "clerk")
        .order_by("workstation__name", "pk")
    )
    for drawer in waiting:
        reasons.append(
            f"Drawer {drawer.pk} ({person_name(drawer.clerk)} at {drawer.workstation.name}) "
            f"is {drawer.get_status_display().lower()}: close it first."
        )
    if not SafeCount.objects.filter(office=office, business_date=day).exists():
        reasons.append(f"The safe was not counted on {us_date(day)}: count it first.")
    return reasons


def report_pdf(*, report: DailyBalancing, signoff: DaySignoff | None = None) -> bytes:
    """The daily balancing report as a PDF (templates/pdf/daily_balancing.html); with
    `signoff`, the signed copy names who signed it and the version."""
    from reconciliation.charts import report_charts

    return render_pdf(
        template_name="pdf/daily_balancing.html",
        context={"report": report, "signoff": signoff, "charts": report_charts(report)},
    )


# Transaction advisory locks (two-int keys; the second is the date as days since 2000-01-01).
# GATE: each live journal line naming no office takes it SHARED on its date (migration 0063's
# trigger); the sign-off that closes a date for the last office takes it EXCLUSIVE, without
# waiting. SIGN_OFFS: the sign-offs and reopens of one date, one at a time, so that exactly one
# of them sees that it closes the date. CHAIN: the ledger day seals' chain, one link at a time.
GATE_LOCK, SIGN_OFFS_LOCK, CHAIN_LOCK = 913001, 913002, 913003
# How often a sign-off that closes the date tries again while lines naming no office are being
# posted to it (a billing import in flight), and the pause between tries (seconds).
GATE_TRIES, GATE_PAUSE = 5, 0.2


class _GateBusy(Exception):
    """Lines naming no office are being posted to the date: the closing sign-off waits."""


def day_sign_off(*, office: Office, day: date, by: User, token: uuid.UUID) -> DaySignoff:
    """Sign off `office`'s business date `day`: renders the daily balancing report to a PDF,
    stores it with its SHA-256 and the chained seal (algorithm 3; version n+1 after a reopen).
    From then on PostgreSQL refuses every live posting dated that office-day (DC001). When it
    closes the date for the last office, it also seals the date's entries that name no office
    (LedgerDaySeal), and PostgreSQL then refuses those too. A repeated submit with the same
    `token` returns the first sign-off.

    The office row is locked FOR UPDATE first: postings in flight on the office (which hold a
    KEY SHARE lock on it, migration 0030) finish before the report is read, so the PDF and the
    seal cover every line of the day. The PDF is rendered under that lock because it is the
    signed record itself, not a copy made after the fact. A closing sign-off that finds lines
    naming no office in flight on the date (GATE_LOCK held) tries again a few times.

    Raises DayNotClosable (no permission, a future day, a drawer open, the safe not counted,
    billing still posting to the date) and DayClosed (already signed off)."""
    if not by.has_perm("reconciliation.sign_off_day"):
        raise DayNotClosable("Only a Supervisor signs off the day.")
    if day > timezone.localdate():
        raise DayNotClosable(f"{us_date(day)} has not come yet: a day is signed off at its end.")
    for attempt in range(GATE_TRIES):
        try:
            with transaction.atomic():
                return _sign_off_locked(office=office, day=day, by=by, token=token)
        except _GateBusy:
            time.sleep(GATE_PAUSE * (attempt + 1))
    raise DayNotClosable(
        f"Entries naming no office (billing's postings) are being posted to {us_date(day)} at "
        "this moment: sign off again in a minute."
    )


def _sign_off_locked(*, office: Office, day: date, by: User, token: uuid.UUID) -> DaySignoff:
    """day_sign_off's transaction: the locks, the checks, the signed report and the seals."""
    earlier = DaySignoff.objects.filter(token=token).first()
    if earlier is not None:
        return earlier
    _advisory_lock(SIGN_OFFS_LOCK, day)
    Office.objects.select_for_update().get(pk=office.pk)
    standing = DaySignoff.objects.filter(
        office=office, business_date=day, reopened_at__isnull=True
    ).first()
    if standing is not None:
        raise DayClosed(
            f"{office.name}'s day of {us_date(day)} was signed off already "
            f"(version {standing.version}, by {person_name(standing.signed_by)})."
        )
    reasons = _day_refusals(office, day)
    if reasons:
        raise DayNotClosable(f"The day of {us_date(day)} cannot close yet: " + " ".join(reasons))
    closes_the_date = not (
        Office.objects.exclude(pk=office.pk)
        .exclude(
            pk__in=DaySignoff.objects.filter(business_date=day, reopened_at__isnull=True).values(
                "office"
            )
        )
        .exists()
    )
    if closes_the_date and not _advisory_lock(GATE_LOCK, day, wait=False):
        raise _GateBusy
    signoff = _signed_report(office, day, by, token)
    signoff.seal, signoff.line_count, signoff.covered_through_entry = _seal(
        office, day, signoff.previous_seal, signoff.sha256
    )
    signoff.save()
    if closes_the_date:
        _ledger_day_seal(day, signoff)
    return signoff


def _signed_report(office: Office, day: date, by: User, token: uuid.UUID) -> DaySignoff:
    """The new sign-off (version n+1, chained to the office's last seal) with its signed
    report PDF and SHA-256; not saved, not sealed yet."""
    previous = DaySignoff.objects.filter(office=office).order_by("-pk").first()
    signoff = DaySignoff(
        office=office,
        business_date=day,
        version=_next_version(DaySignoff.objects.filter(office=office, business_date=day)),
        signed_by=by,
        signed_at=timezone.now(),
        previous_seal=previous.seal if previous else "",
        seal_algorithm=3,
        token=token,
    )
    report = daily_balancing(office=office, day=day)
    signoff.pdf = report_pdf(report=report, signoff=signoff)
    signoff.sha256 = hashlib.sha256(signoff.pdf).hexdigest()
    return signoff


def _next_version(versions: QuerySet) -> int:
    """The version after the highest of `versions` (a date's sign-offs or seals), 1 for none."""
    last = versions.order_by("-version").values_list("version", flat=True).first()
    return (last or 0) + 1


def _advisory_lock(key: int, day: date, *, wait: bool = True) -> bool:
    """Take the transaction advisory lock (`key`, `day`) exclusive; without `wait`, only if it
    is free at once (whether it was taken)."""
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [key, (day - _EPOCH).days])
        row = cursor.fetchone()
    return wait or bool(row and row[0])


_EPOCH = date(2000, 1, 1)


def _seal(office: Office, day: date, previous: str, report_sha: str) -> tuple[str, int, int]:
    """The chained seal of the office-day (SQL function reconciliation_day_seal_v3, which
    ledger_verify recomputes), how many journal lines it covers and the highest entry id it
    covers (0 for none), all read in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH covered AS (SELECT reconciliation_sealed_through(%s, %s) AS through)"
            " SELECT reconciliation_day_seal_v3(%s, %s, %s, %s, through, NULL),"
            " reconciliation_sealed_line_count(%s, %s), through FROM covered",
            [office.pk, day, office.pk, day, previous, report_sha, office.pk, day],
        )
        seal, count, through = cursor.fetchone()
    return seal, count, through


def _ledger_day_seal(day: date, signoff: DaySignoff) -> LedgerDaySeal:
    """Seal `day`'s live entries that name no office (reconciliation_ledger_day_seal_v3),
    chained to the last ledger day seal; `signoff` closed the date for the last office. The
    caller holds GATE_LOCK on the date, so no such line is in flight."""
    _advisory_lock(CHAIN_LOCK, _EPOCH)
    previous = LedgerDaySeal.objects.order_by("-pk").values_list("seal", flat=True).first() or ""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH covered AS (SELECT reconciliation_sealed_through(NULL, %s) AS through)"
            " SELECT reconciliation_ledger_day_seal_v3(%s, %s, through, NULL),"
            " reconciliation_sealed_line_count(NULL, %s), through FROM covered",
            [day, day, previous, day],
        )
        seal, count, through = cursor.fetchone()
    return LedgerDaySeal.objects.create(
        business_date=day,
        version=_next_version(LedgerDaySeal.objects.filter(business_date=day)),
        signoff=signoff,
        seal=seal,
        previous_seal=previous,
        line_count=count,
        seal_algorithm=3,
        covered_through_entry=through,
    )


def day_reopen(*, office: Office, day: date, by: User, reason: str) -> DaySignoff:
    """Reopen `office`'s signed-off day (Admins only, with a reason): the standing sign-off is
    marked reopened, postings dated the day are taken again, and the next sign-off is a new
    version. The date's ledger day seal (entries naming no office), if it stands, is marked
    reopened too: such entries are taken again until the date closes again. Raises
    DayNotClosable (no permission, no reason) and DayClosed (nothing to reopen: the day is not
    signed off)."""
    if not by.has_perm("reconciliation.reopen_day"):
        raise DayNotClosable("Only an Admin reopens a signed-off day.")
    reason = reason.strip()
    if not reason:
        raise DayNotClosable("Say why the day is reopened.")
    with transaction.atomic():
        _advisory_lock(SIGN_OFFS_LOCK, day)
        standing = (
            DaySignoff.objects.select_for_update()
            .filter(office=office, business_date=day, reopened_at__isnull=True)
            .first()
        )
        if standing is None:
            raise DayClosed(f"{office.name}'s day of {us_date(day)} is not signed off.")
        standing.reopened_by = by
        standing.reopened_at = timezone.now()
        standing.reopen_reason = reason[:2000]
        standing.save(update_fields=["reopened_by", "reopened_at", "reopen_reason"])
        # The date takes postings naming no office again: their seal no longer stands.
        LedgerDaySeal.objects.filter(business_date=day, reopened_at__isnull=True).update(
            reopened_by=by, reopened_at=standing.reopened_at
        )
    return standing
