from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from creditmgmt.models import ApiClient, User
from creditmgmt.services import create_api_client, set_role


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name", "email", "language"]}),
        # The role decides staff/superuser and the group: set through set_role only.
        (_("Credit management"), {"fields": ["role", "is_active"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [*BaseUserAdmin.add_fieldsets, (None, {"fields": ["role"]})]
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        set_role(user=obj, role=obj.role)


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiClient.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("What the client may do. A call outside its scopes is refused (403)."),
    )

    class Meta:
        model = ApiClient
        fields = ["name", "scopes", "active"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Admins make API clients here; the key is shown once, on the page after saving."""

    form = ApiClientForm
    list_display = ["name", "key_prefix", "scopes", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["key_prefix", "created_at", "created_by"]

    def get_fields(self, request, obj=None):
        return ["name", "scopes", "active"] + (self.readonly_fields if obj else [])

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False  # decisions name their client: deactivate instead

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = create_api_client(
            name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], by=request.user
        )
        if not form.cleaned_data["active"]:
            ApiClient.objects.filter(pk=client.pk).update(active=False)
        obj.pk, obj.key_prefix, obj.created_at = client.pk, client.key_prefix, client.created_at
        obj._state.adding = False
        messages.warning(
            request,
            _("The key of %(name)s is %(key)s. Copy it now: it is not shown again.")
            % {"name": client.name, "key": key},
        )


admin.site.site_header = _("Credit management")
