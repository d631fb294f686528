"""The public side of intake: the feedback form anyone can fill in without signing in, and
the status page. Thin: it parses answers and calls candour.cases (record_public_submission,
status_for); no rule of the case lives here."""
