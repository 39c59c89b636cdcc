"""Admin for master data. Ledger documents are read-only here: they change only
through the services, which lock, check the invariants and write the timeline."""

from django.contrib import admin

from accounts import services
from accounts.models import (
    Allocation,
    BankCsvMapping,
    BankEntry,
    BankStatement,
    Contact,
    Customer,
    Event,
    ExchangeRate,
    Invoice,
    KnownIban,
    Note,
    Payment,
    Task,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
        "account_manager",
        "credit_limit",
        "open_amount",
    ]
    list_filter = ["status", "risk_class", "segment", "country", "delivery_blocked"]
    list_select_related = ["controller", "account_manager"]
    search_fields = ["number", "name", "kvk_number", "city"]
    raw_id_fields = ["parent"]
    # Balances are computed by the ledger services, never typed in; the delivery
    # block has its own service with a reason.
    readonly_fields = [
        "open_amount", "oldest_open_due_date", "unallocated_amount", "delivery_blocked",
        "delivery_block_reason", "created_at", "updated_at",
    ]  # fmt: skip
    inlines = [ContactInline]

    def get_readonly_fields(self, request, obj=None):
        # A customer's documents are in its currency: fixed once it has any.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and (obj.invoices.exists() or obj.payments.exists()):
            fields.append("currency")
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # customers are closed (status), never deleted: their history stays

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "account_manager":
            from accounts.forms import account_managers

            # The customer being edited keeps its current one, as in CustomerForm.
            pk = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            current = Customer.objects.filter(pk=pk).values_list("account_manager_id", flat=True).first()
            kwargs["queryset"] = account_managers(current)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        fields = services.CUSTOMER_FIELDS
        if change:
            changed = {name: form.cleaned_data[name] for name in form.changed_data if name in fields}
            services.update_customer(customer=obj, by=request.user, **changed)
        else:
            values = {name: value for name, value in form.cleaned_data.items() if name in fields}
            obj.pk = services.create_customer(by=request.user, **values).pk
            obj._state.adding = False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "issue_date", "due_date", "amount", "open_amount", "status"]
    list_filter = ["status", "currency"]
    search_fields = ["number", "customer__name", "customer__number"]
    date_hierarchy = "due_date"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["value_date", "customer", "amount", "unallocated_amount", "source", "reference"]
    list_filter = ["source", "currency"]
    search_fields = ["reference", "counterparty_name", "customer__name"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "payment", "credit_note", "amount", "created_at", "reversed_at"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "kind", "summary", "actor", "actor_label"]
    list_filter = ["kind"]


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "customer", "author", "text"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "customer", "assignee", "due_date", "priority", "status"]
    list_filter = ["status", "kind", "priority"]


admin.site.register(ExchangeRate)


# Bank statements: the mappings are master data; statements and entries change only through the import.
@admin.register(BankCsvMapping)
class BankCsvMappingAdmin(admin.ModelAdmin):
    list_display = ["name", "delimiter", "decimal_sign", "date_format", "date_column", "amount_column"]


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ["imported_at", "account", "reference", "format", "file_name"]


@admin.register(BankEntry)
class BankEntryAdmin(ReadOnlyAdmin):
    list_display = ["booking_date", "amount", "direction", "counterparty_name", "status", "customer"]
    list_filter = ["status", "direction"]


@admin.register(KnownIban)
class KnownIbanAdmin(ReadOnlyAdmin):
    list_display = ["iban", "customer", "times", "learned_at"]
