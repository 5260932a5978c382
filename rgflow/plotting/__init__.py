"""Presentation: figures and the quick plots of the command line (``--plot``); imports matplotlib lazily."""
