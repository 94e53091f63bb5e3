from django.urls import path

from payments import views, views_remittance

app_name = "payments"
urlpatterns = [
    path("", views.counter_view, name="counter"),
    path("search/", views.counter_search, name="search"),
    path("cart/bills/", views.cart_bill_add, name="cart_bill_add"),
    path("cart/plans/", views.cart_plan_add, name="cart_plan_add"),
    path("cart/items/<int:index>/", views.cart_item_update, name="cart_item_update"),
    path("cart/fees/", views.cart_fee_add, name="cart_fee_add"),
    path("lien-search/", views.lien_search, name="lien_search"),
    path("cart/lien-search/", views.cart_lien_add, name="cart_lien_add"),
    path("cart/lien-payoff/<int:pk>/", views.cart_lien_payoff, name="cart_lien_payoff"),
    path("cart/tenders/", views.cart_tender_add, name="cart_tender_add"),
    path("cart/tenders/<int:index>/remove/", views.cart_tender_remove, name="cart_tender_remove"),
    path("cart/clear/", views.cart_clear, name="cart_clear"),
    path("cart/post/", views.cart_post, name="cart_post"),
    path("drawer/", views.drawer_view, name="drawer"),
    path("drawer/open/", views.drawer_open_view, name="drawer_open"),
    path("drawers/<int:pk>/", views.drawer_detail_view, name="drawer_detail"),
    path("drawers/<int:pk>/pickup/", views.pickup_view, name="pickup"),
    path("movements/<int:pk>.pdf", views.movement_pdf, name="movement_pdf"),
    path("receipts/", views.receipts_view, name="receipts"),
    path("receipts/<str:number>/", views.payment_view, name="payment"),
    path("receipts/<str:number>.pdf", views.receipt_pdf, name="receipt_pdf"),
    path(
        "receipts/<str:number>/void/",
        views.payment_reverse_view,
        {"kind": "void"},
        name="payment_void",
    ),
    path(
        "receipts/<str:number>/refund/",
        views.payment_reverse_view,
        {"kind": "refund"},
        name="payment_refund",
    ),
    path(
        "receipts/<str:number>/returned-check/",
        views.returned_check_view,
        name="returned_check",
    ),
    path("receipts/<str:number>/review/", views.payment_review_view, name="payment_review"),
    path("approvals/", views.approvals_view, name="approvals"),
    path("customers/<int:pk>/credit-refund/", views.credit_refund_view, name="credit_refund"),
    path("credit-refunds/<int:pk>/", views.credit_refund_record_view, name="credit_refund_record"),
    path("credit-refunds/<int:pk>.pdf", views.credit_refund_pdf, name="credit_refund_pdf"),
    path("approvals/<int:pk>/", views.approval_decide_view, name="approval_decide"),
    # Remittance: mail batches, the exceptions queue, lockbox and vendor files.
    path("remittance/", views_remittance.batches_view, name="remittance_batches"),
    path("remittance/<int:pk>/", views_remittance.batch_view, name="remittance_batch"),
    path("remittance/<int:pk>/items/", views_remittance.item_add_view, name="remittance_item_add"),
    path(
        "remittance/<int:pk>/items/<int:item_pk>/remove/",
        views_remittance.item_remove_view,
        name="remittance_item_remove",
    ),
    path("remittance/<int:pk>/post/", views_remittance.batch_post_view, name="remittance_post"),
    path(
        "remittance/<int:pk>/cancel/", views_remittance.batch_cancel_view, name="remittance_cancel"
    ),
    path(
        "remittance/<int:pk>/report.pdf",
        views_remittance.batch_report_pdf,
        name="remittance_report_pdf",
    ),
    path(
        "remittance/exceptions/",
        views_remittance.exceptions_view,
        name="remittance_exceptions",
    ),
    path(
        "remittance/items/<int:pk>/resolve/",
        views_remittance.resolve_view,
        name="remittance_resolve",
    ),
    path(
        "remittance/items/<int:pk>/letter.pdf",
        views_remittance.return_letter_pdf,
        name="remittance_letter_pdf",
    ),
    path("remittance/import/", views_remittance.import_view, name="remittance_import"),
    path(
        "remittance/import/progress/<uuid:token>/",
        views_remittance.import_progress,
        name="remittance_import_progress",
    ),
]
