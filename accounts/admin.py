from django.contrib import admin

from accounts.models import Allocation, Contact, Customer, Event, ExchangeRate, Invoice, Note, Payment, Task


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "name",
        "city",
        "status",
        "risk_class",
        "controller",
        "credit_limit",
        "open_amount",
    ]
    list_filter = ["status", "risk_class", "segment", "country", "delivery_blocked"]
    search_fields = ["number", "name", "kvk_number", "city"]
    raw_id_fields = ["parent"]
    # Balances are computed by the ledger services, never typed in.
    readonly_fields = [
        "open_amount",
        "oldest_open_due_date",
        "unallocated_amount",
        "created_at",
        "updated_at",
    ]
    inlines = [ContactInline]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "issue_date", "due_date", "amount", "open_amount", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "customer__name", "customer__number"]
    raw_id_fields = ["customer"]
    date_hierarchy = "due_date"

    def has_change_permission(self, request, obj=None):
        # Amounts change only through the ledger services (allocation, credit notes).
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["value_date", "customer", "amount", "unallocated_amount", "source", "reference"]
    list_filter = ["source", "currency"]
    search_fields = ["reference", "counterparty_name", "customer__name"]
    raw_id_fields = ["customer"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ["invoice", "payment", "credit_note", "amount", "created_at", "reversed_at"]
    raw_id_fields = ["invoice", "payment", "credit_note"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "customer", "kind", "summary", "actor", "actor_label"]
    list_filter = ["kind"]
    raw_id_fields = ["customer"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "assignee", "due_date", "priority", "status"]
    list_filter = ["status", "kind", "priority"]
    raw_id_fields = ["customer", "invoice"]


admin.site.register(Note)
admin.site.register(ExchangeRate)
