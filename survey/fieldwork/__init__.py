"""Fieldwork: email invitations and reminders through an outbox, and what the tracking page
shows of them. The domain modules (outbox, messages, smtp, reminders, sender) use no Flask
request; the views are in :mod:`survey.web.researcher.mail`."""
