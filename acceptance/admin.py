"""Admin for the policies until the rule-set editor exists.

Decisions and bureau reports are read-only (they change only through imports
and `decide`). Rules and conditions can be edited while their version is a
draft; an active or retired version is shown read-only. Activation goes
through `services.activate_version` (the admin action), never a status edit.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from acceptance import services
from acceptance.models import BureauRecord, Condition, Decision, Rule, RuleSet, RuleSetVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BureauRecord)
class BureauRecordAdmin(ReadOnlyAdmin):
    list_display = ["registration_number", "name", "city", "score", "probability_of_default", "fetched_at"]
    search_fields = ["registration_number", "name", "city"]
    list_filter = ["source", "rating"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "company_name", "channel", "outcome", "limit", "available", "version"]
    list_filter = ["outcome", "channel"]
    search_fields = ["company_name", "registration_number"]
    list_select_related = ["version__rule_set"]


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_nl", "risk_appetite", "in_use"]


class DraftOnly:
    """Inline/admin mixin: editable only while the version is a draft."""

    def _draft(self, obj) -> bool:
        version = obj if isinstance(obj, RuleSetVersion) else getattr(obj, "version", None)
        return version is None or version.is_editable

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._draft(obj)  # type: ignore[misc]

    def has_add_permission(self, request, *args):  # inlines pass the parent object, admins do not
        obj = args[0] if args else None
        return super().has_add_permission(request, *args) and self._draft(obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._draft(obj)  # type: ignore[misc]


class RuleInline(DraftOnly, admin.TabularInline):
    model = Rule
    extra = 0
    fields = [
        "position",
        "name",
        "name_nl",
        "outcome",
        "limit_kind",
        "limit_amount",
        "limit_share",
        "limit_cap",
        "prepayment_percent",
        "payment_terms_days",
        "reason_nl",
        "reason_en",
    ]
    show_change_link = True


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ["__str__", "status", "activated_at", "retired_at"]
    list_filter = ["rule_set", "status"]
    readonly_fields = ["status", "activated_at", "activated_by", "retired_at"]
    inlines = [RuleInline]
    actions = ["activate"]

    @admin.action(description=_("Activate the selected draft"))
    def activate(self, request, queryset):
        for version in queryset:
            try:
                services.activate_version(version=version, by=request.user)
            except ValidationError as exc:
                self.message_user(request, f"{version}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("%(v)s is active.") % {"v": version}, messages.SUCCESS)


class ConditionInline(admin.TabularInline):
    model = Condition
    extra = 1

    def _draft(self, obj) -> bool:
        return obj is None or obj.version.is_editable

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._draft(obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._draft(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._draft(obj)


@admin.register(Rule)
class RuleAdmin(DraftOnly, admin.ModelAdmin):
    list_display = ["__str__", "version", "outcome"]
    list_filter = ["version__rule_set", "version__status"]
    inlines = [ConditionInline]
