from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from billing import views as billing_views
from cashiering import views
from cashiering.lockout import CountedPasswordChangeView

admin.site.site_header = "Cashiering administration"
admin.site.site_title = "Cashiering administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The public verification of a lien certificate (its QR code): no sign-in, throttled.
    path("verify/<str:code>", billing_views.verify_view, name="verify"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        # Issue 13, access: the old password counts towards the sign-in lock (cashiering/lockout).
        CountedPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Issue 13, access: the idle sign-out's warning asks and refreshes (cashiering/idle.py).
    path("accounts/still-here/", views.idle_ping, name="idle_ping"),
    path("accounts/idle/", views.idle_status, name="idle_status"),
    # Two-factor sign-in (issue 13): the code after the password, and enrolling an app.
    path("accounts/two-factor/", include("cashiering.two_factor.urls")),
    path("ledger/", include("ledger.urls")),
    path("billing/", include("billing.urls")),
    path("counter/", include("payments.urls")),
    path("reconciliation/", include("reconciliation.urls")),
    # issue 13, audit trail: the audit page.
    path("audit/", include("audit.urls")),
    # The admin's own log-out URL (admin:logout, still reversed by Django's admin pages) is the
    # app's sign-out too, so that posting it directly also warns of an open drawer.
    path("admin/logout/", views.SignOutView.as_view()),
    # The admin's password change is the app's, whose wrong old passwords count towards the
    # sign-in lock (the admin's own view gives its form no request for axes to count by).
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
]
