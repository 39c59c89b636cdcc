import unicodedata
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from creditmgmt.models import LoginAttempt, Role
from creditmgmt.permissions import ALL_STAFF, role_required


@role_required(*ALL_STAFF)
def home(request: HttpRequest) -> HttpResponse:
    if request.user.has_role(Role.CONTROLLER, Role.MANAGER, Role.ADMIN):
        # Today's ranked cases: the worklist holds every open task, with the dunning ones scored.
        return redirect("dunning:worklist")
    if request.user.has_role(Role.SALES):
        return redirect("accounts:customer_list")
    # Counter staff: one lookup screen that answers "on account, up to EUR X" and no more.
    return redirect("acceptance:counter")


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def throttle_key(username: str) -> str:
    """The name as authentication sees it (stripped, NFKC), case-folded: every
    spelling that signs in to one account counts against that account."""
    return unicodedata.normalize("NFKC", username.strip()).casefold()[:150]


class ThrottledLoginView(auth_views.LoginView):
    """Sign-in that refuses further tries for a user name after too many failures in a window.

    Counted per account, not per address: behind a proxy every user shares one
    address, and one person's typos must not lock out the office. The address
    is kept with each failure for the audit trail.
    """

    redirect_authenticated_user = True

    def _recent_failures(self, username: str) -> int:
        since = timezone.now() - timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
        return LoginAttempt.objects.filter(username=username, created_at__gte=since).count()

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = throttle_key(request.POST.get("username", ""))
        if self._recent_failures(username) >= settings.LOGIN_THROTTLE_ATTEMPTS:
            form = self.get_form()
            minutes = settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60
            form.errors.clear()
            form.add_error(
                None,
                ngettext(
                    "Too many failed sign-ins. Try again in %(minutes)d minute or reset your password.",
                    "Too many failed sign-ins. Try again in %(minutes)d minutes or reset your password.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        LoginAttempt.objects.create(
            username=throttle_key(self.request.POST.get("username", "")), ip_address=client_ip(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        LoginAttempt.objects.filter(username=throttle_key(form.get_user().username)).delete()
        response = super().form_valid(form)
        if language := form.get_user().language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response


@login_not_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; open to everyone so the sign-in page can use it."""
    return django_set_language(request)


set_language.allowed_roles = ("public",)  # type: ignore[attr-defined]


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


health.allowed_roles = ("public",)  # type: ignore[attr-defined]
