from django.contrib import admin

from dunning.models import (
    AssignmentRule,
    CustomerDunning,
    Dispute,
    DisputeInvoice,
    DisputeReason,
    DunningAction,
    DunningStop,
    InboundMail,
    InterestRate,
    LetterBatch,
    Message,
    Procedure,
    Step,
    Template,
    WorkflowRun,
)


class StepInline(admin.TabularInline):
    model = Step
    extra = 0


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "minimum_amount", "min_interval_days", "is_active"]
    inlines = [StepInline]


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["key", "channel", "language", "version", "is_current", "created_at"]
    list_filter = ["channel", "language", "is_current"]
    readonly_fields = ["version", "is_current", "created_at", "created_by"]


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(admin.ModelAdmin):
    list_display = ["position", "name", "procedure", "is_active"]


@admin.register(InterestRate)
class InterestRateAdmin(admin.ModelAdmin):
    list_display = ["valid_from", "rate"]


@admin.register(CustomerDunning)
class CustomerDunningAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "procedure",
        "stage",
        "cycle",
        "oldest_due_date",
        "overdue_amount",
        "behaviour",
    ]
    list_select_related = ["customer", "procedure"]
    raw_id_fields = ["customer"]
    list_filter = ["procedure", "behaviour"]


@admin.register(DunningAction)
class DunningActionAdmin(admin.ModelAdmin):
    list_display = ["date", "customer", "step", "cycle", "status", "amount", "score"]
    list_select_related = ["customer", "step"]
    list_filter = ["status", "date"]
    raw_id_fields = ["customer", "task"]


@admin.register(DunningStop)
class DunningStopAdmin(admin.ModelAdmin):
    list_display = ["customer", "invoice", "reason", "until", "created_at", "lifted_at"]
    raw_id_fields = ["customer", "invoice"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "channel", "recipient", "status", "attempts"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["customer", "action"]
    readonly_fields = ["idempotency_key"]


admin.site.register(LetterBatch)
admin.site.register(WorkflowRun)


# --- disputes ---------------------------------------------------------------


@admin.register(DisputeReason)
class DisputeReasonAdmin(admin.ModelAdmin):
    """The reasons are configurable here: rename, reorder, add, or switch one off."""

    list_display = ["code", "name_nl", "name_en", "position", "is_active"]
    list_editable = ["name_nl", "name_en", "position", "is_active"]


class DisputeInvoiceInline(admin.TabularInline):
    model = DisputeInvoice
    extra = 0
    raw_id_fields = ["invoice"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["pk", "customer", "reason", "status", "amount", "owner", "due_date", "created_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["customer", "credit_note", "escalation_task", "owner", "created_by"]
    inlines = [DisputeInvoiceInline]


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "from_address", "subject", "customer", "category", "status", "assignee")
    list_filter = ("status", "category", "source", "malformed")
    search_fields = ("subject", "from_address", "message_id")
    raw_id_fields = ("customer", "assignee")
    exclude = ("raw",)
