"""Dunning pages. Views parse, call one service, render (whole page or an htmx partial)."""
