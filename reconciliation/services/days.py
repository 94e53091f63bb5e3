"""The day close: a Supervisor signs off an office's business day (the signed report stored as a
PDF with its SHA-256 and a chained seal over the day's journal lines); an Admin may reopen it."""

import hashlib
import uuid
from datetime import date

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from cashiering.dates import us_date
from cashiering.pdf import render_pdf
from cashiering.people import person_name
from payments.models import Drawer, Office
from reconciliation.errors import DayClosed, DayNotClosable
from reconciliation.models import DaySignoff, SafeCount
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


def day_sign_off(*, office: Office, day: date, by: User, token: uuid.UUID) -> DaySignoff:
    """Sign off `office`'s business date `day`: renders the daily balancing report to a PDF,
    stores it with its SHA-256 and the chained seal (version n+1 after a reopen). From then on
    PostgreSQL refuses every live posting dated that office-day (DC001). A repeated submit with
    the same `token` returns the first sign-off.

    The office row is locked FOR UPDATE first: postings in flight on the office (which hold a
    KEY SHARE lock on it, migration 0030) finish before the report is read, so the PDF and the
    seal cover every line of the day. The PDF is rendered under that lock because it is the
    signed record itself, not a copy made after the fact.

    Raises DayNotClosable (no permission, a future day, a drawer open, the safe not counted)
    and DayClosed (already signed off)."""
    if not by.has_perm("reconciliation.sign_off_day"):
        raise DayNotClosable("Only a Supervisor signs off the day.")
    if day > timezone.localdate():
        raise DayNotClosable(f"{us_date(day)} has not come yet: a day is signed off at its end.")
    with transaction.atomic():
        earlier = DaySignoff.objects.filter(token=token).first()
        if earlier is not None:
            return earlier
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
            raise DayNotClosable(
                f"The day of {us_date(day)} cannot close yet: " + " ".join(reasons)
            )
        last_version = (
            DaySignoff.objects.filter(office=office, business_date=day)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        previous = DaySignoff.objects.filter(office=office).order_by("-pk").first()
        signoff = DaySignoff(
            office=office,
            business_date=day,
            version=(last_version or 0) + 1,
            signed_by=by,
            signed_at=timezone.now(),
            previous_seal=previous.seal if previous else "",
            token=token,
        )
        report = daily_balancing(office=office, day=day)
        pdf = report_pdf(report=report, signoff=signoff)
        signoff.pdf = pdf
        signoff.sha256 = hashlib.sha256(pdf).hexdigest()
        signoff.seal, signoff.line_count = _seal(office, day, signoff.previous_seal, signoff.sha256)
        signoff.save()
    return signoff


def _seal(office: Office, day: date, previous: str, report_sha: str) -> tuple[str, int]:
    """The chained seal (SQL function reconciliation_day_seal, which ledger_verify recomputes)
    and how many journal lines it covers."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT reconciliation_day_seal(%s, %s, %s, %s),
                      (SELECT count(*) FROM ledger_journalline l
                         JOIN ledger_journalentry e ON e.id = l.entry_id
                        WHERE e.entry_date = %s AND e.book = 'live'
                          AND (l.office_id = %s OR l.drawer_id IN (
                               SELECT d.id FROM payments_drawer d WHERE d.office_id = %s)))""",
            [office.pk, day, previous, report_sha, day, office.pk, office.pk],
        )
        seal, count = cursor.fetchone()
    return seal, count


def day_reopen(*, office: Office, day: date, by: User, reason: str) -> DaySignoff:
    """Reopen `office`'s signed-off day (Admins only, with a reason): the standing sign-off is
    marked reopened, postings dated the day are taken again, and the next sign-off is a new
    version. Raises DayNotClosable (no permission, no reason) and DayClosed (nothing to
    reopen: the day is not signed off)."""
    if not by.has_perm("reconciliation.reopen_day"):
        raise DayNotClosable("Only an Admin reopens a signed-off day.")
    reason = reason.strip()
    if not reason:
        raise DayNotClosable("Say why the day is reopened.")
    with transaction.atomic():
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
    return standing
