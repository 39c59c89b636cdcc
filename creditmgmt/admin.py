from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from creditmgmt.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [*BaseUserAdmin.fieldsets, (_("Credit management"), {"fields": ["role", "language"]})]
    add_fieldsets = [*BaseUserAdmin.add_fieldsets, (None, {"fields": ["role"]})]


admin.site.site_header = _("Credit management")
