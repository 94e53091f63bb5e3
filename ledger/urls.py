from django.urls import path

from ledger import views

app_name = "ledger"
urlpatterns = [
    path("trial-balance/", views.trial_balance_view, name="trial_balance"),
    path("accounts/<str:code>/", views.account_view, name="account"),
]
