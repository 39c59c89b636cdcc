"""Pages of the customer and invoice import: upload, preview, apply.

The uploaded file is kept on disk by accounts.imports (keyed by a random
token); the session remembers which tokens belong to this user, with the
kind, the file name and the file's SHA-256, so a user can only preview and
apply their own uploads, and apply only the file that was previewed.
"""

from __future__ import annotations

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import imports
from accounts.views import error_text
from creditmgmt.permissions import MANAGERS, role_required

SESSION_KEY = "accounts_imports"
KEEP_IN_SESSION = 5


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"),
        choices=imports.KIND_CHOICES,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (comma, semicolon or tab) or Excel workbook (.xlsx)."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > imports.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB: split it.")
                % {"mb": imports.MAX_UPLOAD_BYTES // 1024 // 1024}
            )
        return upload


def _remember(request: HttpRequest, token: str, meta: dict[str, str]) -> None:
    staged = request.session.get(SESSION_KEY, {})
    staged[token] = meta
    for old in list(staged)[:-KEEP_IN_SESSION]:
        imports.discard_staged(old)
        del staged[old]
    request.session[SESSION_KEY] = staged


def _forget(request: HttpRequest, token: str) -> None:
    """Drop an upload of this user (a token of someone else's session is left alone)."""
    staged = request.session.get(SESSION_KEY, {})
    if staged.pop(token, None) is not None:
        request.session[SESSION_KEY] = staged
        imports.discard_staged(token)


def _meta(request: HttpRequest, token: str) -> dict[str, str]:
    meta = request.session.get(SESSION_KEY, {}).get(token)
    if meta is None:
        raise imports.ImportFileError(_("This import does not exist (any more): upload the file again."))
    return meta


@role_required(*MANAGERS)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
        try:
            staged = imports.stage_upload(kind, upload.read())
        except imports.ImportFileError as exc:
            form.add_error("file", exc)
        else:
            _remember(request, staged.token, {"kind": kind, "filename": upload.name, "sha256": staged.sha256})
            return redirect("accounts:import_preview", token=staged.token)
    return render(
        request, "accounts/import_upload.html", {"form": form, "column_help": imports.column_help()}
    )


@role_required(*MANAGERS)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what applying would do (?format=csv: the error report). POST: cancel the import."""
    if request.method == "POST":
        _forget(request, token)
        messages.info(request, _("Import cancelled; nothing was changed."))
        return redirect("accounts:import_upload")
    try:
        meta = _meta(request, token)
        plan = imports.build_plan(meta["kind"], imports.read_staged(token, meta["sha256"]))
    except imports.ImportFileError as exc:
        _forget(request, token)
        messages.error(request, error_text(exc))
        return redirect("accounts:import_upload")
    if request.GET.get("format") == "csv":
        return _error_report(meta, plan)
    return render(
        request,
        "accounts/import_preview.html",
        {
            "token": token,
            "meta": meta,
            "kind_label": dict(imports.KIND_CHOICES)[meta["kind"]],
            "plan": plan,
            "counts": plan.counts,
            "errors": plan.errors,
            "preview_lines": plan.preview_lines(),
        },
    )


@role_required(*MANAGERS)
@require_POST
def import_apply(request: HttpRequest, token: str) -> HttpResponse:
    try:
        meta = _meta(request, token)
    except imports.ImportFileError as exc:
        messages.error(request, error_text(exc))
        return redirect("accounts:import_upload")
    if request.POST.get("sha256") != meta["sha256"]:
        messages.error(request, _("This preview is out of date: look at it again before you apply."))
        return redirect("accounts:import_preview", token=token)
    try:
        data = imports.read_staged(token, meta["sha256"])
        result = imports.apply_import(
            meta["kind"],
            data,
            by=request.user,
            source=meta["filename"],
            expected_fingerprint=request.POST.get("fingerprint", ""),
        )
    except imports.ImportFileError as exc:
        messages.error(request, error_text(exc))
        return redirect("accounts:import_preview", token=token)
    _forget(request, token)
    messages.success(
        request,
        _("%(file)s imported: %(result)s") % {"file": meta["filename"], "result": result},
    )
    return redirect("accounts:import_upload")


def _error_report(meta: dict[str, str], plan: imports.Plan) -> HttpResponse:
    """The complete error report as CSV, to fix a big file line by line."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = meta["filename"].rsplit(".", 1)[0].replace('"', "") or "import"
    response["Content-Disposition"] = f'attachment; filename="{filename}-errors.csv"'
    response.write("\ufeff")  # so Excel reads it as UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow([_("line"), _("column"), _("problem")])
    for error in plan.errors:
        writer.writerow([error.line, error.column, _spreadsheet_safe(error.message)])
    return response


def _spreadsheet_safe(text: str) -> str:
    """Messages quote cells from the upload: keep a spreadsheet from running them as formulas."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
