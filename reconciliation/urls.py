from reconciliation.views import closing, custody, month, reports, statements

app_name = "reconciliation"

urlpatterns = [
    *closing.urlpatterns,
    *custody.urlpatterns,
    *reports.urlpatterns,
    *statements.urlpatterns,
    *month.urlpatterns,
]
