from decimal import Decimal

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ledger.forms import AccountLinesFilterForm, TrialBalanceFilterForm
from ledger.models import Account, Book, JournalLine
from ledger.money import ZERO
from ledger.selectors import account_balance, account_lines, trial_balance

LINES_PER_PAGE = 50


def _filter_form(form_class, request: HttpRequest):
    """Bind a GET filter form; without a book chosen it shows the live book."""
    data = request.GET.copy()
    data.setdefault("book", Book.LIVE)
    return form_class(data)


@permission_required("ledger.view_trial_balance", raise_exception=True)
def trial_balance_view(request: HttpRequest) -> HttpResponse:
    form = _filter_form(TrialBalanceFilterForm, request)
    balance = None
    if form.is_valid():
        balance = trial_balance(book=form.cleaned_data["book"], as_of=form.cleaned_data["as_of"])
    return render(request, "ledger/trial_balance.html", {"form": form, "balance": balance})


@permission_required("ledger.view_trial_balance", raise_exception=True)
def account_view(request: HttpRequest, code: str) -> HttpResponse:
    account = get_object_or_404(Account, code=code)
    form = _filter_form(AccountLinesFilterForm, request)
    page = None
    rows: list[tuple[JournalLine, Decimal]] = []
    opening = ZERO
    if form.is_valid():
        book, date_from = form.cleaned_data["book"], form.cleaned_data["date_from"]
        lines = account_lines(
            account=account, book=book, date_from=date_from, date_to=form.cleaned_data["date_to"]
        )
        if date_from is not None:
            opening = account_balance(account=account, book=book, before=date_from)
        page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
        # `running` is the window sum the selector annotates on each line.
        rows = [(line, opening + line.running) for line in page]  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/account.html",
        {
            "account": account,
            "form": form,
            "page": page,
            "rows": rows,
            "opening": opening,
            "query": query.urlencode(),
        },
    )
