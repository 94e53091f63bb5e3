"""Server-drawn SVG bar charts for reports: no script, no CDN, the same markup on the page and in
the PDF. Each chart has a title and a text table equivalent (its bars carry <title> tooltips)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ledger.money import ZERO, format_money

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 150
VALUE_WIDTH = 110
CHART_WIDTH = 640


@dataclass(frozen=True)
class Bar:
    label: str
    amount: Decimal


def bar_chart(*, title: str, bars: list[Bar]) -> SafeString:
    """A horizontal bar chart of `bars` (dollars) as inline SVG; negative amounts draw no bar.
    Every text is escaped here, so the result is safe to put in a page."""
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    top = max((bar.amount for bar in bars), default=ZERO)
    room = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{CHART_WIDTH}" '
        f'height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" aria-label="{escape(title)}" '
        'font-family="DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    if not bars:
        parts.append(f'<text x="0" y="{BAR_HEIGHT}">Nothing to show.</text>')
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = 0 if top <= 0 or bar.amount <= 0 else max(1, int(room * bar.amount / top))
        text_y = y + BAR_HEIGHT - 5
        label = escape(bar.label[:24])
        value = escape(format_money(bar.amount))
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{text_y}" text-anchor="end">{label}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="#0d6efd"><title>{label}: {value}</title></rect>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{text_y}">{value}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def report_charts(report) -> dict[str, SafeString]:
    """The daily balancing report's charts: collections by hour, by tender and by clerk."""
    tenders = report.tenders
    return {
        "by_hour": bar_chart(
            title="Receipts by hour (as taken)",
            bars=[Bar(row.label, row.amount) for row in report.by_hour],
        ),
        "by_tender": bar_chart(
            title="Collections by tender",
            bars=[
                Bar("Cash (net of change)", tenders.cash),
                Bar("Checks", tenders.check),
                Bar("Card", tenders.card),
                Bar("Credit on account", report.credit_on_account),
            ],
        ),
        "by_clerk": bar_chart(
            title="Collections by clerk",
            bars=[Bar(row.label, row.amount) for row in report.by_clerk],
        ),
    }
