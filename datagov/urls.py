"""Data-governance pages for every signed-in user, partners included (outside the admin)."""

from django.urls import path

from datagov import views

app_name = "datagov"

urlpatterns = [
    path("", views.document_list, name="documents"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/new/", views.contract_new, name="contract-new"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("datasets/", views.dataset_list, name="datasets"),
    path(
        "contracts/<int:pk>/documents/",
        views.contract_document_upload,
        name="contract-document-upload",
    ),
    path("contracts/<int:pk>/submit/", views.contract_submit, name="contract-submit"),
    path(
        "templates/<int:pk>/document.html",
        views.template_document,
        name="template-document-html",
    ),
    path(
        "templates/<int:pk>/document.pdf",
        views.template_document_pdf,
        name="template-document-pdf",
    ),
    path("documents/<int:pk>/", views.document_download, name="document-download"),
]
