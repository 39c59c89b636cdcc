"""The shipped reminder texts name each invoice's payment reference (betalingskenmerk or RF).

A new version of every shipped template whose current text is still the one
shipped by 0002; a text a manager has edited is left as it is (the editor's
context has `i.payment_reference` for those who want it).
"""

from django.db import migrations

from dunning.migrations._defaults_0002 import DEAR_EN, DEAR_NL, INVOICE_LINES_EN, INVOICE_LINES_NL, TEXTS

REFERENCE_NL = "{% if i.payment_reference %}, betalingskenmerk {{ i.payment_reference }}{% endif %}"
REFERENCE_EN = "{% if i.payment_reference %}, payment reference {{ i.payment_reference }}{% endif %}"
# The line ends "...: {{ i.open_amount|money:currency }}\n{% endfor %}": the reference goes before "\n".
END = "{{ i.open_amount|money:currency }}\n{% endfor %}"


def with_reference(lines: str, reference: str) -> str:
    assert lines.endswith(END)
    return lines[: -len("\n{% endfor %}")] + reference + "\n{% endfor %}"


def shipped():
    """(key, language) -> (old body, new body) for every shipped text."""
    out = {}
    for key, (_nl_subject, nl_text, _en_subject, en_text) in TEXTS.items():
        for language, text, dear, lines, reference in (
            ("nl", nl_text, DEAR_NL, INVOICE_LINES_NL, REFERENCE_NL),
            ("en", en_text, DEAR_EN, INVOICE_LINES_EN, REFERENCE_EN),
        ):
            old = dear + text
            out[key, language] = (old, old.replace(lines, with_reference(lines, reference)))
    return out


def add_references(apps, schema_editor):
    Template = apps.get_model("dunning", "Template")
    texts = shipped()
    for current in Template.objects.filter(is_current=True, key__in={k for k, _l in texts}):
        old, new = texts.get((current.key, current.language), (None, None))
        if current.body != old or old == new:
            continue
        Template.objects.filter(pk=current.pk).update(is_current=False)
        Template.objects.create(
            key=current.key,
            channel=current.channel,
            language=current.language,
            version=current.version + 1,
            is_current=True,
            subject=current.subject,
            body=new,
        )


def remove_references(apps, schema_editor):
    Template = apps.get_model("dunning", "Template")
    texts = shipped()
    for current in Template.objects.filter(is_current=True, key__in={k for k, _l in texts}):
        old, new = texts.get((current.key, current.language), (None, None))
        if current.body != new or old == new:
            continue
        previous = Template.objects.filter(
            key=current.key, channel=current.channel, language=current.language, version=current.version - 1
        ).first()
        if previous is not None and previous.body == old:
            current.delete()
            Template.objects.filter(pk=previous.pk).update(is_current=True)


class Migration(migrations.Migration):
    dependencies = [("dunning", "0005_exception_case")]

    operations = [migrations.RunPython(add_references, remove_references)]
