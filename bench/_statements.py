"""Bank statement import throughput, run by bench/reconciliation.py: a generated BAI2 file of
100,000 detail records (each with a continuation record, as banks send them) imported through
`statement_import`.

Prints bench: statement_import_rows_per_s (detail records per second, goal at least 20,000)
and, to show where the time goes, how fast the `bai2` package alone reads the file."""

import time

from _setup import report, scratch_database

DETAILS = 100_000


def bai2_file(details: int) -> bytes:
    """One account, one day: `details` credits and debits with a text continuation each, and
    trailers whose control totals and record counts add up."""
    rows = ["01,121140399,CITYBANK,261130,0800,1,,,2/", "02,CITY,121140399,1,261130,,USD,2/"]
    account = ["03,1100,USD,010,100000,,,015,200000,,/"]
    total = 300000
    for i in range(details):
        amount = 1000 + i % 5000
        code = "165" if i % 2 else "475"
        account.append(f"16,{code},{amount},Z,B{i},C{i},/")
        account.append(f"88,PAYMENT {i} CITY OF EXAMPLE")
        total += amount
    account.append(f"49,{total},{len(account) + 1}/")
    rows += account
    rows.append(f"98,{total},1,{len(account) + 2}/")
    rows.append(f"99,{total},1,{len(rows) + 1}/")
    return ("\n".join(rows) + "\n").encode()


def run() -> None:
    with scratch_database():
        from bai2 import bai2 as bai2_parser

        from cashiering.demo import demo_users_seed
        from cashiering.roles import Role
        from ledger.models import Account
        from ledger.services import chart_of_accounts_seed
        from reconciliation.models import StatementLine
        from reconciliation.services import statement_import

        chart_of_accounts_seed()
        supervisor = demo_users_seed()[Role.SUPERVISOR]
        bank = Account.objects.get(code="1100")
        data = bai2_file(DETAILS)

        started = time.perf_counter()
        bai2_parser.parse_from_string(data.decode())
        parse_s = time.perf_counter() - started

        started = time.perf_counter()
        job = statement_import(bank_account=bank, file_name="bench.bai2", data=data, by=supervisor)
        import_s = time.perf_counter() - started
        assert job.lines_added == DETAILS, job.lines_added
        assert StatementLine.objects.count() == DETAILS

        print(f"(the bai2 package alone reads {DETAILS / parse_s:,.0f} rows/s)", flush=True)
        report("statement_import_rows_per_s", DETAILS / import_s, "rows/s")


if __name__ == "__main__":
    run()
