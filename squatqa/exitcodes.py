"""Exit statuses scripts can rely on; the README lists the same table."""

OK = 0
NO_MATCH = 1  # nothing cleared the confidence threshold, or an unknown id
USAGE = 2  # bad option, empty question, unreadable or invalid corpus, broken install
INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
