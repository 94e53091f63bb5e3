"""The office's roles (Django groups), what each may do, and what the home page offers each."""

from dataclasses import dataclass

from django.apps import apps as django_apps
from django.contrib.auth.management import create_permissions


class Role:
    TRAINEE = "Trainee"
    CLERK = "Clerk"
    SUPERVISOR = "Supervisor"
    ADMIN = "Admin"


# Most senior first: a user's role is the most senior group they belong to.
ROLES_BY_SENIORITY = (Role.ADMIN, Role.SUPERVISOR, Role.CLERK, Role.TRAINEE)

_TRAINEE: list[str] = [
    "billing.view_bill",
    "billing.view_liencertificate",
    "billing.view_customer",
    "billing.view_department",
    "billing.view_feetype",
    "payments.take_payment",
    "payments.view_payment",
]
_CLERK: list[str] = [
    *_TRAINEE,
    "billing.create_invoice",
    "billing.issue_lien_certificate",
    "payments.work_unsupervised",
    # Mail batches and lockbox/vendor files (payments.services.remittance); trainees do not.
    "payments.work_remittance",
    "payments.view_remittancebatch",
]
_SUPERVISOR: list[str] = [
    *_CLERK,
    "billing.import_bills",
    "billing.waive_penalty",
    "billing.record_appeal",
    "billing.adjust_bill",
    "billing.enroll_payment_plan",
    "billing.view_importbatch",
    "payments.approve_payment",
    "payments.record_returned_check",
    "payments.review_payment",
    "payments.pickup_cash",
    "payments.refund_credit",
    "payments.resolve_remittance",
    "payments.view_drawer",
    "payments.view_approvalrequest",
    "ledger.view_trial_balance",
    "ledger.view_account",
    "ledger.view_accountingperiod",
    "ledger.view_journalentry",
    "ledger.view_journalline",
    "reconciliation.close_any_drawer",
    "reconciliation.sign_off_variance",
    "reconciliation.reopen_drawer",
    "reconciliation.view_custody",
    "reconciliation.count_safe",
    "reconciliation.prepare_deposit",
    "reconciliation.verify_deposit",
    "reconciliation.import_statement",
    "reconciliation.match_statement",
    "reconciliation.close_month",
    "reconciliation.view_month_end",
    "reconciliation.export_postings",
    "reconciliation.refer_tickets",
    "reconciliation.view_daily_report",
    "reconciliation.sign_off_day",
    "reconciliation.manage_csv_mapping",
    # issue 13, audit trail and confidentiality: the audit page; files with names and addresses.
    "audit.view_audit",
    "billing.export_personal_data",
]
_ADMIN: list[str] = [
    *_SUPERVISOR,
    "ledger.add_account",
    "ledger.change_account",
    "ledger.add_accountingperiod",
    "ledger.change_accountingperiod",
    *(
        f"billing.{action}_{model}"
        for model in (
            "feetype",
            "feeprice",
            "penaltyrule",
            "waterrate",
            "meterminimum",
            "violationcode",
            "chargetype",
            "lienterms",
            "stafftitle",
            "department",
            "faqentry",
        )
        for action in ("view", "add", "change")
    ),
    # The office calendar: a closure added by mistake is taken off again.
    *(f"billing.{action}_holiday" for action in ("view", "add", "change", "delete")),
    # Payment plan terms (RPTL 1184): the percents and days a new plan copies.
    *(f"billing.{action}_planterms" for action in ("view", "change")),
    *(
        f"payments.{action}_{model}"
        for model in ("paymentpolicy", "office", "workstation", "remittancesource")
        for action in ("view", "add", "change")
    ),
    "billing.view_customer",
    "billing.change_customer",
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "auth.view_group",
    "reconciliation.manage_change_fund",
    "reconciliation.reopen_day",
    # Sign-in lockouts (django-axes, in the administration site): seen, and cleared by deleting.
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accesslog",
    "axes.view_accessfailurelog",
    # Two-factor devices (cashiering.two_factor.admin): see who has one, remove a lost one.
    "otp_totp.view_totpdevice",
    "otp_totp.delete_totpdevice",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.TRAINEE: _TRAINEE,
    Role.CLERK: _CLERK,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMIN: _ADMIN,
}


def roles_sync(apps=django_apps, schema_editor=None) -> None:
    """Create the role groups and give each exactly its permissions. Idempotent. Permissions of
    apps not migrated yet are skipped: the migration that adds them calls this again, and so
    does every `migrate` (post_migrate)."""
    for app_config in apps.get_app_configs():
        # Permissions are normally created after migrating; roles need them now. A migration's
        # app configs have no models module, and create_permissions skips those without one.
        saved = getattr(app_config, "models_module", None)
        app_config.models_module = saved or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = saved
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.extend(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)


def role_of(user) -> str | None:
    names = {group.name for group in user.groups.all()}
    return next((role for role in ROLES_BY_SENIORITY if role in names), None)


@dataclass(frozen=True)
class Capability:
    title: str
    description: str
    url_name: str
    permission: str | None = None  # None: every signed-in user
    staff_only: bool = False
    fragment: str = ""  # a section of the page to open at (its element id)


# What the home page offers; later apps add theirs. Each shows only to users who may use it.
CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "Look up what is owed",
        "Search or scan: bills, accounts, parcels, plates, tickets, names and addresses.",
        "billing:search",
        permission="billing.view_bill",
    ),
    Capability(
        "Counter",
        "Open your drawer and serve a customer: bills, tags, permits; cash, check and card.",
        "payments:counter",
        permission="payments.take_payment",
    ),
    Capability(
        "Receipts",
        "Find a receipt, reprint it, and ask for a void or refund.",
        "payments:receipts",
        permission="payments.view_payment",
    ),
    Capability(
        "Today's receipts, every drawer",
        "Every window's receipts today, by clerk, window, tender and status; each open drawer.",
        "payments:receipts",
        permission="payments.view_drawer",
        fragment="today-h",
    ),
    Capability(
        "Approvals and reviews",
        "Voids and refunds waiting for you, trainees' payments to review, returned checks.",
        "payments:approvals",
        permission="payments.approve_payment",
    ),
    Capability(
        "Mail batches",
        "Work the day's mail: the tape's control total, then scan each stub and key its check.",
        "payments:remittance_batches",
        permission="payments.work_remittance",
    ),
    Capability(
        "Import a remittance file",
        "Post the bank's lockbox file or the online vendor's settlement file, all rows or none.",
        "payments:remittance_import",
        permission="payments.work_remittance",
    ),
    Capability(
        "Remittance exceptions",
        "Checks that could not be applied as they came: apply, apply part, hold or return.",
        "payments:remittance_exceptions",
        permission="payments.work_remittance",
    ),
    Capability(
        "Close my drawer",
        "End your shift: count the drawer blind, tick the checks, enter the card batch total.",
        "reconciliation:drawer_close",
        permission="payments.take_payment",
    ),
    Capability(
        "Drawer closes",
        "Counts awaiting sign-off, drawers left open (close with a witness), reopen a drawer.",
        "reconciliation:sign_off_queue",
        permission="reconciliation.sign_off_variance",
    ),
    Capability(
        "Lien certificates",
        "Certified lists of liens issued: find one by number, code or parcel; print it, see "
        "what changed since, put its payoff in the cart.",
        "billing:lien_certificates",
        permission="billing.view_liencertificate",
    ),
    Capability(
        "Payment plans at risk",
        "Delinquent-tax payment plans with an installment late, and plans in default (RPTL 1184).",
        "billing:plans_at_risk",
        permission="billing.enroll_payment_plan",
    ),
    Capability(
        "Department directory",
        "Who handles what in the City, where and when: refer a customer in seconds.",
        "billing:directory",
        permission="billing.view_department",
    ),
    Capability(
        "Import bills",
        "Load a file from the tax, water or parking billing system (all rows or none).",
        "billing:import",
        permission="billing.import_bills",
    ),
    Capability(
        "Custody",
        "Where every dollar and check is now: drawers, the safe, bags in transit, the bank.",
        "reconciliation:custody",
        permission="reconciliation.view_custody",
    ),
    Capability(
        "Safe and deposits",
        "Count the safe with a second person; prepare a deposit, or verify another's.",
        "reconciliation:deposits",
        permission="reconciliation.prepare_deposit",
    ),
    Capability(
        "Bank statements",
        "Import the banks' statements (BAI2, OFX, CSV) and match or explain what is left.",
        "reconciliation:statements",
        permission="reconciliation.import_statement",
    ),
    Capability(
        "Trial balance",
        "Every account's balance in the live or training book, as of any day.",
        "ledger:trial_balance",
        permission="ledger.view_trial_balance",
    ),
    Capability(
        "Daily balancing and day close",
        "The day's totals by clerk, tender, fund and account, the receipt gap check, over/short; "
        "sign off the day.",
        "reconciliation:daily",
        permission="reconciliation.view_daily_report",
    ),
    Capability(
        "Month close",
        "Close an accounting period; the month-end reconciliation of the banks and receivables.",
        "reconciliation:month_close",
        permission="reconciliation.close_month",
    ),
    Capability(
        "Exports",
        "General-ledger journal, revenue distribution, posting files, parking referrals.",
        "reconciliation:exports",
        permission="reconciliation.view_month_end",
    ),
    Capability(
        "Administration",
        "Chart of accounts, accounting periods, users and their roles.",
        "admin:index",
        staff_only=True,
    ),
    Capability(
        "Change my password",
        "Choose a new password for your own sign-in.",
        "password_change",
    ),
)


def capabilities_for(user) -> list[Capability]:
    return [
        capability
        for capability in CAPABILITIES
        if (capability.permission is None or user.has_perm(capability.permission))
        and (not capability.staff_only or user.is_staff)
    ]
