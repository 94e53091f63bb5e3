from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("bills/<str:number>/", views.bill_view, name="bill"),
    path("bills/<str:number>/waive/", views.waive_view, name="waive"),
    path("bills/<str:number>/appeal/", views.appeal_view, name="appeal"),
    path("bills/<str:number>/adjust/", views.adjust_view, name="adjust"),
    path("customers/<int:pk>/", views.customer_view, name="customer"),
    path("customers/<int:pk>/contact/", views.customer_contact_view, name="customer_contact"),
    path("customers/<int:pk>/invoices/new/", views.invoice_new, name="invoice_new"),
    path("invoices/<str:number>.pdf", views.invoice_pdf, name="invoice_pdf"),
    path("properties/<int:pk>/plans/new/", views.plan_new, name="plan_new"),
    path("plans/at-risk/", views.plans_at_risk_view, name="plans_at_risk"),
    path("plans/<str:number>/", views.plan_view, name="plan"),
    path("plans/<str:number>/cancel/", views.plan_cancel, name="plan_cancel"),
    path("plans/<str:number>/agreement.pdf", views.plan_agreement_pdf, name="plan_agreement"),
    path("directory/", views.directory_view, name="directory"),
    path("lien-certificates/", views.lien_certificates_view, name="lien_certificates"),
    path("lien-certificates/<int:pk>/", views.lien_certificate_view, name="lien_certificate"),
    path("lien-certificates/<int:pk>.pdf", views.lien_certificate_pdf, name="lien_certificate_pdf"),
    path("imports/", views.import_view, name="import"),
    path("imports/<int:pk>/errors.csv", views.import_errors_csv, name="import_errors"),
    path("imports/progress/<uuid:token>/", views.import_progress, name="import_progress"),
]
