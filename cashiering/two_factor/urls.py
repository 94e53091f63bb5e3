"""The two-factor pages, under accounts/two-factor/."""

from django.urls import path

from cashiering.two_factor import views

app_name = "two_factor"

urlpatterns = [
    path("verify/", views.verify_view, name="verify"),
    path("enrol/", views.enrol_view, name="enrol"),
]
