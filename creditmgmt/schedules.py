"""Every recurring job in one list; `manage.py sync_schedules` upserts them by name."""

SCHEDULES = [
    {
        "name": "daily workflow",
        "func": "creditmgmt.daily.run_daily",
        "schedule_type": "C",  # cron, evaluated in TIME_ZONE
        "cron": "0 6 * * *",  # 06:00 Amsterdam time, before the team starts
        "repeats": -1,
    },
    {
        "name": "dunning outbox",
        "func": "dunning.tasks.deliver",
        "schedule_type": "I",  # minutes
        "minutes": 10,  # retries with back-off and reminders approved during the day
        "repeats": -1,
    },
    {
        "name": "bank inbox",
        "func": "accounts.bank.tasks.import_inbox",
        "schedule_type": "I",  # minutes
        "minutes": 15,  # statements dropped in the watched folder are matched within a quarter
        "repeats": -1,
    },
    {
        "name": "inbox imap",
        "func": "dunning.inbox.tasks.poll",
        "schedule_type": "I",  # minutes
        "minutes": 2,  # customers' replies are in the shared inbox within minutes
        "repeats": -1,
    },
    {
        "name": "inbox classifier",
        "func": "dunning.inbox.tasks.train",
        "schedule_type": "C",
        "cron": "30 5 * * *",  # nightly, on the seed set plus the day's corrections
        "repeats": -1,
    },
]
