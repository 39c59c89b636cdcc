"""Planning customers: who they are, where, in which group, and whom to contact.

The first steps for each customer: behaviour profile and status, group
structure (a parent with a few subsidiaries under one controller), name and
legal form, address, KvK and VAT numbers, life span, credit limit and risk
class, and the contacts at the customer.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from accounts.demo.base import PROFILES, SEGMENTS, Batch, PlannerBase, make
from accounts.demo.identifiers import CENT, be_vat, de_vat, nl_postcode, nl_vat, slug, weighted
from accounts.demo.words import (
    ASSOCIATIONS,
    BE_CITIES,
    BE_SURNAMES,
    BRANDS,
    COOPERATIVES,
    DE_CITIES,
    DE_SECTORS,
    DE_STREETS,
    DE_SURNAMES,
    FIRST_NAMES,
    FOUNDATIONS,
    GOVERNMENT_BODIES,
    NL_CITIES,
    PARTNER_TRADES,
    SECTORS,
    STREETS,
    SURNAMES,
    TRADES,
)
from accounts.models import Contact, Customer


class PlannedCustomer(NamedTuple):
    """A planned customer row and what the later steps need to know about it."""

    row: Customer
    profile: str
    phone_prefix: str
    since: date  # the first day of business
    until: date  # the last day of business: today, unless the account was closed
    holding: bool  # the parent of a group that starts here


class CompanyPlanner(PlannerBase):
    """The customer row (groups, names, addresses, numbers, limits) and its contacts."""

    def _profile_and_status(self, index: int, rng: random.Random) -> tuple[str, str]:
        if index < len(PROFILES):  # small demo books still show every behaviour
            return PROFILES[index], Customer.Status.ACTIVE
        if index == len(PROFILES):
            return "on_time", Customer.Status.PROSPECT
        if index == len(PROFILES) + 1:
            return "on_time", Customer.Status.CLOSED
        profile = weighted(rng, list(PROFILES), self.profile_cum)
        roll = rng.random()
        status = Customer.Status.ACTIVE
        if roll < 0.02:
            status = Customer.Status.PROSPECT
        elif roll < 0.035 and profile in ("on_time", "sometimes_late"):
            status = Customer.Status.CLOSED
        return profile, status

    def _customer(self, index: int, rng: random.Random, overrides: dict) -> PlannedCustomer:
        """Customer number `index`, not yet in a batch; `overrides` as for `Planner.plan_customer`."""
        cid = self.ids.take(Customer)
        profile, status = self._profile_and_status(index, rng)
        profile = overrides.get("profile", profile)
        status = overrides.get("status", status)

        # Groups: a parent followed by 2-4 subsidiaries with the same controller.
        parent_id = None
        group_surname = ""
        controller = self.controllers[index % len(self.controllers)]
        if self.group is not None and not overrides:
            parent_id, left, group_surname, controller = self.group
            self.group = (parent_id, left - 1, group_surname, controller) if left > 1 else None
        starts_group = (
            self.group is None
            and parent_id is None
            and not overrides
            and status == Customer.Status.ACTIVE
            and (index == 8 or (index > 8 and self.master.random() < 0.008))
        )
        if starts_group:
            group_surname = rng.choice(SURNAMES)
            self.group = (cid, self.master.randint(2, 4), group_surname, controller)
        in_group = starts_group or parent_id is not None

        roll = rng.random()
        country = "BE" if roll < 0.04 else "DE" if roll < 0.06 else "NL"
        if in_group:
            country = "NL"
        if in_group:
            segment = Customer.Segment.KEY_ACCOUNT if starts_group else Customer.Segment.BUSINESS
        else:
            segment = weighted(rng, self.segments, self.segment_cum)
            if country != "NL" and segment in (Customer.Segment.GOVERNMENT, Customer.Segment.CONSUMER):
                segment = Customer.Segment.BUSINESS
        segment = overrides.get("segment", segment)
        limits, terms = SEGMENTS[segment][3:]

        # Name, legal form, address, language.
        language = "nl"
        if country == "NL":
            city, low, high, area, _w = weighted(rng, NL_CITIES, self.city_cum)
            postal_code = nl_postcode(rng, low, high)
            suffix = rng.choice(("", "", "", "", "A", "B", "-2"))
            street = f"{rng.choice(STREETS)} {rng.randint(1, 240)}{suffix}"
            phone_prefix = "+31 " + area[1:]
            if rng.random() < 0.04:
                language = "en"  # a foreign-owned business with English-speaking staff
            name, legal_form = self._nl_name(rng, segment, city, starts_group, group_surname, parent_id)
        elif country == "BE":
            city, postal_code, area, language = rng.choice(BE_CITIES)
            street = f"{rng.choice(STREETS)} {rng.randint(1, 180)}"
            phone_prefix = "+32 " + area
            form = rng.choice(("BV", "BV", "NV"))
            name = f"{rng.choice(BE_SURNAMES)} {rng.choice(SECTORS)} {form}"
            legal_form = Customer.LegalForm.BV if form == "BV" else Customer.LegalForm.NV
        else:
            city, postal_code, area = rng.choice(DE_CITIES)
            street = f"{rng.choice(DE_STREETS)} {rng.randint(1, 150)}"
            phone_prefix = "+49 " + area
            language = "de"
            surname = rng.choice(DE_SURNAMES)
            name = rng.choice(
                (
                    f"{surname} {rng.choice(DE_SECTORS)} GmbH",
                    f"Spedition {surname} GmbH & Co. KG",
                    f"{surname} & {rng.choice(DE_SURNAMES)} KG",
                )
            )
            legal_form = Customer.LegalForm.OTHER
        name = overrides.get("name", name)

        kvk = vat = ""
        if country == "NL" and legal_form != Customer.LegalForm.PERSON:
            kvk = self._kvk(rng)
            vat = nl_vat(rng)
        elif country == "BE":
            vat = be_vat(rng)
        elif country == "DE":
            vat = de_vat(rng)

        # Life span: most customers were here before the window, some joined later.
        if status == Customer.Status.PROSPECT:
            since = self.today - timedelta(days=rng.randint(2, 40))
        elif rng.random() < 0.7 or starts_group or profile == "defaulting":
            since = self.start - timedelta(days=rng.randint(30, 2000))
        else:
            since = self.start + timedelta(days=rng.randint(0, max(self.window - 20, 0)))
        since = min(self.business_day(since), self.today)
        until = self.today
        if status == Customer.Status.CLOSED:
            until = self.today - timedelta(days=rng.randint(150, 300))
            since = min(since, until - timedelta(days=200))

        low, high, step = limits
        credit_limit = rng.randint(low // step, high // step) * step
        if status == Customer.Status.PROSPECT:
            credit_limit = 0 if rng.random() < 0.5 else low
        elif status == Customer.Status.CLOSED:
            credit_limit = 0
        customer = make(
            Customer,
            id=cid,
            number=str(100000 + cid),
            name=name,
            legal_form=legal_form,
            kvk_number=kvk,
            vat_number=vat,
            address=street,
            postal_code=postal_code,
            city=city,
            country=country,
            language=language,
            currency="EUR",
            segment=segment,
            parent_id=parent_id,
            controller_id=controller,
            account_manager_id=self._account_manager(cid, parent_id, segment),
            credit_limit=Decimal(credit_limit).quantize(CENT),
            payment_terms_days=rng.choice(terms),
            status=status,
            risk_class=self._risk(rng, profile, status, since),
            created_at=self.at(since, 9 * 60 + rng.randint(0, 420)),
            updated_at=self.stamp,
        )
        return PlannedCustomer(customer, profile, phone_prefix, since, until, starts_group)

    def _account_manager(self, cid: int, parent_id: int | None, segment: str) -> int | None:
        """Sales look after the companies, a group as one; consumers and most small businesses
        buy through the webshop and have no account manager. Chosen without the random
        generator, so the rest of the book stays as it was."""
        if not self.account_managers or segment == Customer.Segment.CONSUMER:
            return None
        if segment == Customer.Segment.SMALL_BUSINESS and cid % 3:
            return None
        return self.account_managers[(parent_id or cid) % len(self.account_managers)]

    def _nl_name(self, rng, segment, city, starts_group, group_surname, parent_id) -> tuple[str, str]:
        LF = Customer.LegalForm
        if starts_group:
            return f"{group_surname} Groep B.V.", LF.BV
        if parent_id is not None:
            sector = rng.choice(SECTORS)
            options = (
                f"{group_surname} {sector} B.V.",
                f"{group_surname} {city} B.V.",
                f"{group_surname} {sector} {city} B.V.",
            )
            return rng.choice(options), LF.BV
        if segment == Customer.Segment.CONSUMER:
            first = rng.choice(FIRST_NAMES)
            surname = rng.choice(SURNAMES)
            if surname.startswith(("De ", "Van ")):
                surname = surname[0].lower() + surname[1:]
            if rng.random() < 0.5:
                return f"{first} {surname}", LF.PERSON
            return f"{first[0]}. {surname}", LF.PERSON
        if segment == Customer.Segment.GOVERNMENT:
            if rng.random() < 0.7:
                return f"Gemeente {city}", LF.GOVERNMENT
            return rng.choice(GOVERNMENT_BODIES), LF.GOVERNMENT
        surname = rng.choice(SURNAMES)
        brand = rng.choice(BRANDS)
        roll = rng.random()
        if roll < 0.04:
            return rng.choice(FOUNDATIONS).format(brand=brand, city=city), LF.FOUNDATION
        if roll < 0.06:
            return rng.choice(ASSOCIATIONS).format(brand=brand, city=city), LF.ASSOCIATION
        if roll < 0.07:
            return rng.choice(COOPERATIVES).format(brand=brand), LF.COOPERATIVE
        if roll < 0.12:
            name = f"{surname} & {rng.choice(SURNAMES)} {rng.choice(PARTNER_TRADES)}"
            return name, rng.choice((LF.VOF, LF.BV))
        pattern = rng.random()
        if pattern < 0.4:
            base = f"{rng.choice(TRADES)} {surname}"
        elif pattern < 0.75:
            base = f"{surname} {rng.choice(SECTORS)}"
        elif pattern < 0.9:
            base = f"{brand} {rng.choice(SECTORS)}"
        else:
            base = f"{rng.choice(TRADES)} {brand}"
        form = rng.random()
        if segment == Customer.Segment.KEY_ACCOUNT:
            return (f"{base} N.V.", LF.NV) if form < 0.15 else (f"{base} B.V.", LF.BV)
        if form < 0.6:
            return f"{base} B.V.", LF.BV
        if form < 0.75:
            return f"{base} V.O.F.", LF.VOF
        return base, LF.SOLE

    def _kvk(self, rng: random.Random) -> str:
        while True:
            kvk = str(rng.randint(10_000_000, 99_999_999))
            if kvk not in self.taken_kvk:
                self.taken_kvk.add(kvk)
                return kvk

    def _risk(self, rng, profile: str, status: str, since: date) -> str:
        R = Customer.RiskClass
        if status == Customer.Status.PROSPECT or ((self.today - since).days < 60 and rng.random() < 0.5):
            return R.UNKNOWN
        choices = {
            "on_time": (R.LOW, R.LOW, R.LOW, R.LOW, R.MEDIUM),
            "sometimes_late": (R.LOW, R.MEDIUM, R.MEDIUM),
            "structurally_late": (R.MEDIUM, R.HIGH),
            "deteriorating": (R.HIGH, R.HIGH, R.MEDIUM),
            "defaulting": (R.VERY_HIGH, R.VERY_HIGH, R.HIGH),
            "disputing": (R.MEDIUM, R.MEDIUM, R.LOW),
        }[profile]
        return rng.choice(choices)

    def _contacts(self, rng, customer: Customer, phone_prefix: str, batch: Batch) -> list[Contact]:
        base = re.sub(r"\b(B\.V\.|N\.V\.|V\.O\.F\.|GmbH.*|KG|BV|NV|U\.A\.)$", "", customer.name)
        domain = (slug(base) or "klant")[:40] + ".example"  # reserved TLD: demo mail never leaves
        people = [(rng.choice(FIRST_NAMES), rng.choice(SURNAMES)) for _ in range(3)]

        def phone() -> str:
            if rng.random() < 0.3 and customer.country == "NL":
                return f"+31 6 {rng.randint(10_000_000, 99_999_999)}"
            return f"{phone_prefix} {rng.randint(100_000, 9_999_999)}"

        def full(first: str, surname: str) -> str:
            if surname.startswith(("De ", "Van ")):
                surname = surname[0].lower() + surname[1:]
            return f"{first} {surname}"

        R, C = Contact.Role, Contact.Channel
        if customer.legal_form == Customer.LegalForm.PERSON:
            first, surname = people[0]
            email = f"{slug(first)}.{slug(surname)}@mail.example"
            rows = [(customer.name, R.OTHER, email, phone(), C.EMAIL, True)]
        else:
            mailbox = rng.choice(("crediteuren", "facturen", "administratie", "finance", "invoices"))
            ap_name = full(*people[0]) if rng.random() < 0.6 else self.t["ap"]
            rows = [(ap_name, R.ACCOUNTS_PAYABLE, f"{mailbox}@{domain}", phone(), C.EMAIL, True)]
            extra = rng.choices((0, 1, 2), weights=(45, 40, 15))[0]
            if extra >= 1:
                first, surname = people[1]
                email = f"{slug(first)}.{slug(surname)}@{domain}"
                rows.append((full(first, surname), R.FINANCE, email, phone(), C.EMAIL, False))
            if extra >= 2:
                first, surname = people[2]
                role = rng.choice((R.DIRECTOR, R.PURCHASING))
                rows.append((full(first, surname), role, f"{slug(first)}@{domain}", phone(), C.PHONE, False))
        contacts = [
            make(
                Contact,
                id=self.ids.take(Contact),
                customer_id=customer.id,
                name=name,
                role=role,
                email=email,
                phone=tel,
                language="",
                preferred_channel=channel,
                is_primary=primary,
            )
            for name, role, email, tel, channel, primary in rows
        ]
        batch.contacts.extend(contacts)
        return contacts

    # -- the ledger -------------------------------------------------------------
