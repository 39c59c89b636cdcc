"""Every recurring job in one list; `manage.py sync_schedules` upserts them by name."""

SCHEDULES = [
    {
        "name": "daily workflow",
        "func": "creditmgmt.daily.run_daily",
        "schedule_type": "C",  # cron, evaluated in TIME_ZONE
        "cron": "30 5 * * *",  # 05:30 Amsterdam time, before the team starts
        "repeats": -1,
    },
]
